using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Refit;

namespace Ledger.Client;

/// <summary>The ledger's HTTP API, as the CLI calls it. Every call needs a bearer token except the health check.</summary>
public partial interface ILedgerClient
{
    [Get("/healthz")]
    Task<LedgerHealth> GetHealthAsync(CancellationToken cancellationToken = default);

    /// <summary>202 with where to follow the backup; 400 (problem details) for bad input.</summary>
    [Post("/api/v1/backups")]
    Task<BackupAccepted> RequestBackupAsync([Body] RequestBackup request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Newest first. <paramref name="since"/>/<paramref name="until"/> are ISO-8601 (see <see cref="LedgerQuery.Timestamp"/>).
    /// <paramref name="total"/>: also count every match (<see cref="Page{T}.TotalCount"/>), which costs a scan of them all.
    /// </summary>
    [Get("/api/v1/backups")]
    Task<Page<RestorePoint>> ListBackupsAsync(
        string? environment = null,
        string? database = null,
        string? trigger = null,
        string? status = null,
        string? since = null,
        string? until = null,
        int? page = null,
        int? pageSize = null,
        bool? missed = null,
        bool? total = null,
        CancellationToken cancellationToken = default);

    /// <summary>The backup and its event history; 404 when unknown.</summary>
    [Get("/api/v1/backups/{id}")]
    Task<BackupDetail> GetBackupAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>The fidelity fingerprint recorded with a backup; 404 when the backup is unknown or has none.</summary>
    [Get("/api/v1/backups/{id}/fingerprint")]
    Task<Ledger.Contracts.Fidelity.DatabaseFingerprint> GetFingerprintAsync(Guid id, CancellationToken cancellationToken = default);

    [Get("/api/v1/agents")]
    Task<IReadOnlyList<AgentStatus>> ListAgentsAsync(CancellationToken cancellationToken = default);
}

/// <summary>Answer to <c>GET /healthz</c>.</summary>
public sealed record LedgerHealth(string Status);

/// <summary>How query values are written.</summary>
public static class LedgerQuery
{
    /// <summary>UTC with a <c>Z</c>, so no <c>+</c> has to survive a query string.</summary>
    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
