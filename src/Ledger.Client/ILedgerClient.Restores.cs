using Ledger.Contracts.Common;
using Ledger.Contracts.Restores;
using Refit;

namespace Ledger.Client;

/// <summary>Restores and restore plans.</summary>
public partial interface ILedgerClient
{
    /// <summary>202 with where to follow it; an interlock answers 400/403/409 with a problem carrying <c>interlock</c> and <c>restoreId</c>.</summary>
    [Post("/api/v1/restores")]
    Task<RestoreAccepted> RequestRestoreAsync([Body] RequestRestore request, CancellationToken cancellationToken = default);

    [Get("/api/v1/restores/{id}")]
    Task<RestoreView> GetRestoreAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Restores and plans, newest first.</summary>
    [Get("/api/v1/restores")]
    Task<Page<RestoreView>> ListRestoresAsync(
        string? environment = null,
        string? targetDatabase = null,
        Guid? backupId = null,
        string? status = null,
        int? page = null,
        int? pageSize = null,
        CancellationToken cancellationToken = default);
}
