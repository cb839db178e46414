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
    public static Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct) =>
        Documents.ShowAsync<RestoreView>(session, id, "restore", ct);
}
