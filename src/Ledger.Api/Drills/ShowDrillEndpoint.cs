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
    public static Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct) =>
        Documents.ShowAsync<DrillView>(session, id, "drill", ct);
}
