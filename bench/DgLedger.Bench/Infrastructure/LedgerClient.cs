using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Restores;

namespace DgLedger.Bench.Infrastructure;

/// <summary>The ledger's HTTP API, as the harness uses it (a bearer token with every role).</summary>
public sealed class LedgerClient(Uri baseAddress, string token) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = baseAddress,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
        Timeout = TimeSpan.FromMinutes(2),
    };

    public Uri BaseAddress => baseAddress;

    /// <summary>The raw client, for latency measurements.</summary>
    public HttpClient Http => _http;

    public async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync("/healthz", ct);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<AgentStatus>> AgentsAsync(CancellationToken ct) =>
        await _http.GetFromJsonAsync<List<AgentStatus>>("/api/v1/agents", Json, ct) ?? [];

    public async Task<BackupAccepted> RequestBackupAsync(string environment, string database, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync("/api/v1/backups",
            new RequestBackup(environment, database, BackupTriggers.Manual), Json, ct);
        await EnsureAsync(response, "POST /api/v1/backups", ct);
        return (await response.Content.ReadFromJsonAsync<BackupAccepted>(Json, ct))!;
    }

    /// <summary>Polls the backup until nothing more will happen to it (verified, failed, verification failed).</summary>
    public async Task<BackupDetail> WaitForBackupAsync(Guid id, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var detail = (await _http.GetFromJsonAsync<BackupDetail>($"/api/v1/backups/{id}", Json, ct))!;
            if (BackupStatuses.IsFinal(detail.Backup.Status))
            {
                return detail;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Backup {id} was still '{detail.Backup.Status}' after {timeout}.");
            }

            await Task.Delay(100, ct);
        }
    }

    public async Task<RestoreAccepted> RequestRestoreAsync(Guid backupId, string target, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync("/api/v1/restores", new RequestRestore(backupId, target, target), Json, ct);
        await EnsureAsync(response, "POST /api/v1/restores", ct);
        return (await response.Content.ReadFromJsonAsync<RestoreAccepted>(Json, ct))!;
    }

    /// <summary>Polls the restore until it reaches a final state (verified, failed, ...).</summary>
    public async Task<RestoreView> WaitForRestoreAsync(Guid id, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var view = (await _http.GetFromJsonAsync<RestoreView>($"/api/v1/restores/{id}", Json, ct))!;
            if (RestoreStatuses.IsFinal(view.Status))
            {
                return view;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Restore {id} was still '{view.Status}' after {timeout}.");
            }

            await Task.Delay(100, ct);
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {body}");
        }
    }

    public void Dispose() => _http.Dispose();
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
