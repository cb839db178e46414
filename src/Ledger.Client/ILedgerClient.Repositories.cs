using Ledger.Contracts.Backups;
using Refit;

namespace Ledger.Client;

/// <summary>Repositories: rebuilding restore points from a repository's manifests.</summary>
public partial interface ILedgerClient
{
    /// <summary>Asks the environment's agent to read the repository's manifests and rebuilds the restore points it vouches for.</summary>
    [Post("/api/v1/repository/imports")]
    Task<RepositoryImportRun> StartRepositoryImportAsync([Body] RequestRepositoryImport request, CancellationToken cancellationToken = default);

    [Get("/api/v1/repository/imports/{id}")]
    Task<RepositoryImportRun> GetRepositoryImportAsync(Guid id, CancellationToken cancellationToken = default);
}
