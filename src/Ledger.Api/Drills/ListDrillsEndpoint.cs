using Ledger.Api.Auth;
using Ledger.Contracts.Drills;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace Ledger.Api.Drills;

/// <summary><c>GET /api/v1/drills?env=</c>: drills of (or run in) an environment, newest first (at most 500).</summary>
public static class ListDrillsEndpoint
{
    public const int Limit = 500;

    [WolverineGet("/api/v1/drills")]
    [Authorize(Policy = Policies.Read)]
    public static async Task<IReadOnlyList<DrillView>> Get(string? env, IQuerySession session, CancellationToken ct)
    {
        var query = session.Query<DrillView>().AsQueryable();
        if (env is not null) query = query.Where(x => x.Environment == env || x.TargetEnvironment == env);
        return await query.OrderByDescending(x => x.StartedAt).Take(Limit).ToListAsync(ct);
    }
}
