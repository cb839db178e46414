using Ledger.Api.Auth;
using Ledger.Contracts.Backups;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace Ledger.Api.Repositories;

/// <summary><c>GET /api/v1/repository/imports/{id}</c>: an import run, pending until the agent's scan arrives.</summary>
public static class ShowRepositoryImportEndpoint
{
    [WolverineGet("/api/v1/repository/imports/{id}")]
    [Authorize(Policy = Policies.Read)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<RepositoryImportRun>(id, ct) is { } run ? Results.Ok(run) : Results.NotFound();
}
