using System.Text.Json;
using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Contracts.Backups;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Wolverine.Http;

namespace Ledger.Api.Backups;

/// <summary><c>GET /api/v1/backups/{id}</c>: one backup and its full event history.</summary>
public static class ShowBackupEndpoint
{
    [WolverineGet("/api/v1/backups/{id}")]
    [Authorize(Policy = Policies.Read)]
    [ProducesResponseType<BackupDetail>(200)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken ct)
    {
        var backup = await session.LoadAsync<RestorePoint>(id, ct);
        if (backup is null)
        {
            return Documents.NotFound("backup", id);
        }

        var events = await session.Events.FetchStreamAsync(id, token: ct);
        var history = events.Select(e => new HistoryEntry(
            e.Version, e.EventType.Name, e.Timestamp,
            JsonSerializer.SerializeToElement(e.Data, e.EventType, json.Value.SerializerOptions))).ToList();
        return Results.Ok(new BackupDetail(backup, history));
    }
}
