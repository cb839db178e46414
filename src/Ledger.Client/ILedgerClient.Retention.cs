using Ledger.Contracts.Retention;
using Refit;

namespace Ledger.Client;

public partial interface ILedgerClient
{
    /// <summary>The retention plan; with dryRun=false the expired artifacts are deleted by their agents.</summary>
    [Post("/api/v1/backups/prune")]
    Task<PrunePlan> PruneAsync([Body] PruneRequest request, CancellationToken cancellationToken = default);
}
