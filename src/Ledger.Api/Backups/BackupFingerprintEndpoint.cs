using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Fidelity;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace Ledger.Api.Backups;

/// <summary>
/// <c>GET /api/v1/backups/{id}/fingerprint</c>: the fidelity fingerprint the agent captured from the very snapshot
/// pg_dump read. Kept out of the restore points so that lists stay small.
/// </summary>
public static class BackupFingerprintEndpoint
{
    [WolverineGet("/api/v1/backups/{id}/fingerprint")]
    [Authorize(Policy = Policies.Read)]
    [ProducesResponseType<DatabaseFingerprint>(200)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(id, token: ct);
        if (events.Count == 0)
        {
            return Documents.NotFound("backup", id);
        }

        var taken = events.Select(e => e.Data).OfType<BackupTaken>().LastOrDefault();
        return taken?.Fingerprint is { } fingerprint
            ? Results.Ok(fingerprint)
            : Results.Problem(Problems.NotFound($"Backup {id} has no fingerprint: it was not taken, or was taken before fingerprints were recorded."));
    }
}
