using Ledger.Api.Auth;
using Ledger.Contracts.Agents;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace Ledger.Api.Agents;

/// <summary><c>GET /api/v1/agents</c>: every agent the ledger has heard from, most recent heartbeat first.</summary>
public static class ListAgentsEndpoint
{
    [WolverineGet("/api/v1/agents")]
    [Authorize(Policy = Policies.Read)]
    public static async Task<IReadOnlyList<AgentStatus>> Get(IQuerySession session, CancellationToken ct) =>
        await session.Query<AgentStatus>().OrderByDescending(x => x.LastHeartbeat).ToListAsync(ct);
}
