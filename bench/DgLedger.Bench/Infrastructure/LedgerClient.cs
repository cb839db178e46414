using Ledger.Contracts.Common;
using System.Net;
using System.Text.Json;
using Ledger.Client;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Restores;

namespace DgLedger.Bench.Infrastructure;

/// <summary>
/// The ledger's HTTP API as the harness uses it (a bearer token with every role): the shared typed client and poller of
/// Ledger.Client, plus the raw HttpClient for latency measurements.
/// </summary>
public sealed class LedgerClient : IDisposable
{
    public static readonly JsonSerializerOptions Json = LedgerJson.Web;

    private readonly ILedgerClient _api;

    public LedgerClient(Uri baseAddress, string token)
    {
        BaseAddress = baseAddress;
        Http = LedgerHttp.CreateHttpClient(baseAddress, token, timeout: TimeSpan.FromMinutes(2));
        _api = LedgerHttp.For(Http);
    }

    public Uri BaseAddress { get; }

    /// <summary>The raw client, for latency measurements.</summary>
    public HttpClient Http { get; }

    public async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await Http.GetAsync("/healthz", ct);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public Task<IReadOnlyList<AgentStatus>> AgentsAsync(CancellationToken ct) => _api.ListAgentsAsync(ct);

    public Task<BackupAccepted> RequestBackupAsync(string environment, string database, CancellationToken ct) =>
        _api.RequestBackupAsync(new RequestBackup(environment, database, BackupTriggers.Manual), ct);

    /// <summary>Polls the backup until nothing more will happen to it (verified, failed, verification failed).</summary>
    public async Task<BackupDetail> WaitForBackupAsync(Guid id, TimeSpan timeout, CancellationToken ct)
    {
        var polled = await StatusPoller.WaitAsync(c => _api.GetBackupAsync(id, c), d => d.Backup.Status.IsFinal(),
            d => d.Backup.Status.ToWire(), changed: null, timeout, TimeProvider.System, ct);
        return polled.TimedOut || polled.Last is null
            ? throw new TimeoutException($"Backup {id} was still '{polled.Last?.Backup.Status.ToWire()}' after {timeout}.")
            : polled.Last;
    }

    public Task<RestoreAccepted> RequestRestoreAsync(Guid backupId, string target, CancellationToken ct) =>
        _api.RequestRestoreAsync(new RequestRestore(backupId, target, target), ct);

    /// <summary>Polls the restore until it reaches a final state (verified, failed, ...).</summary>
    public async Task<RestoreView> WaitForRestoreAsync(Guid id, TimeSpan timeout, CancellationToken ct)
    {
        var polled = await StatusPoller.WaitAsync(c => _api.GetRestoreAsync(id, c), v => v.Status.IsFinal(),
            v => v.Status.ToWire(), changed: null, timeout, TimeProvider.System, ct);
        return polled.TimedOut || polled.Last is null
            ? throw new TimeoutException($"Restore {id} was still '{polled.Last?.Status}' after {timeout}.")
            : polled.Last;
    }

    public void Dispose() => Http.Dispose();
}

/// <summary>Reads the facts the harness needs out of a backup's event history.</summary>
public static class BackupHistory
{
    public static JsonElement? Event(BackupDetail detail, string type) =>
        detail.History.FirstOrDefault(h => h.Type == type) is { } entry ? entry.Data : null;

    public static long DurationMs(BackupDetail detail, string type) =>
        Event(detail, type) is { } data && data.TryGetProperty("durationMs", out var ms)
            ? ms.GetInt64()
            : throw new InvalidOperationException($"Backup {detail.Backup.Id} has no {type} with a durationMs (status {detail.Backup.Status}: {detail.Backup.FailureReason}).");

    public static DateTimeOffset Timestamp(BackupDetail detail, string type, string property) =>
        Event(detail, type) is { } data && data.TryGetProperty(property, out var at)
            ? at.GetDateTimeOffset()
            : throw new InvalidOperationException($"Backup {detail.Backup.Id} has no {type}.{property}.");
}
