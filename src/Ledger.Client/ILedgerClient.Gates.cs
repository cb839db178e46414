using Ledger.Contracts.Gates;
using Refit;

namespace Ledger.Client;

/// <summary>Pre-upgrade gates, for pipelines.</summary>
public partial interface ILedgerClient
{
    /// <summary>Opens, joins or starts the gate for (environment, database, target release).</summary>
    [Post("/api/v1/gates")]
    Task<GateView> RequestGateAsync([Body] RequestGate request, CancellationToken cancellationToken = default);

    [Get("/api/v1/gates/{id}")]
    Task<GateView> GetGateAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Read-only: is there a fresh, verified pre-upgrade backup?</summary>
    [Get("/api/v1/gates/fresh-backup")]
    Task<FreshBackupAnswer> GetFreshBackupAsync(
        [AliasAs("env")] string environment,
        [AliasAs("db")] string database,
        [AliasAs("max_age")] long? maxAgeSeconds = null,
        string? release = null,
        CancellationToken cancellationToken = default);
}
