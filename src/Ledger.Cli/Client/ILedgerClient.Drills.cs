using Ledger.Contracts.Drills;
using Refit;

namespace Ledger.Cli.Client;

/// <summary>Restore drills.</summary>
public partial interface ILedgerClient
{
    /// <summary>Drills, newest first.</summary>
    [Get("/api/v1/drills")]
    Task<IReadOnlyList<DrillView>> ListDrillsAsync([AliasAs("env")] string? environment = null, CancellationToken cancellationToken = default);
}
