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
    public static Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct) =>
        Documents.ShowAsync<GateView>(session, id, "gate", ct);
}
