using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Contracts.Gates;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace Ledger.Api.Gates;

public static class ShowGateEndpoint
{
    /// <summary><c>GET /api/v1/gates/{id}</c>: a gate's current verdict.</summary>
    [WolverineGet("/api/v1/gates/{id}")]
    [Authorize(Policy = Policies.Read)]
    [ProducesResponseType<GateView>(200)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<GateView>(id, ct) is { } view
            ? Results.Ok(view)
            : Results.Problem(Problems.NotFound($"No gate with id {id}."));
}
