using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Contracts.Drills;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace Ledger.Api.Drills;

public static class ShowDrillEndpoint
{
    /// <summary><c>GET /api/v1/drills/{id}</c>: one drill.</summary>
    [WolverineGet("/api/v1/drills/{id}")]
    [Authorize(Policy = Policies.Read)]
    [ProducesResponseType<DrillView>(200)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<DrillView>(id, ct) is { } view
            ? Results.Ok(view)
            : Results.Problem(Problems.NotFound($"No drill with id {id}."));
}
