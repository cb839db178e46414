using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Contracts.Restores;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace Ledger.Api.Restores;

public static class ShowRestoreEndpoint
{
    /// <summary><c>GET /api/v1/restores/{id}</c>: a restore (or plan) as it stands: status, durations, checks, plan.</summary>
    [WolverineGet("/api/v1/restores/{id}")]
    [Authorize(Policy = Policies.Read)]
    [ProducesResponseType<RestoreView>(200)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<RestoreView>(id, ct) is { } view
            ? Results.Ok(view)
            : Results.Problem(Problems.NotFound($"No restore with id {id}."));
}
