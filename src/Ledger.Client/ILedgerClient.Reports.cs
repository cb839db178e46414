using Ledger.Contracts.Drills;
using Refit;

namespace Ledger.Client;

/// <summary>Compliance reports, for auditors and pipelines.</summary>
public partial interface ILedgerClient
{
    /// <summary><paramref name="since"/>: days back (<c>365d</c>) or an ISO date.</summary>
    [Get("/api/v1/reports/drills")]
    Task<DrillComplianceReport> GetDrillReportAsync(string? since = null, [AliasAs("env")] string? environment = null,
        CancellationToken cancellationToken = default);
}
