using Ledger.Contracts.Drills;
using Refit;

namespace Ledger.Client;

/// <summary>Restore drills.</summary>
public partial interface ILedgerClient
{
    /// <summary>Drills, newest first.</summary>
    [Get("/api/v1/drills")]
    Task<IReadOnlyList<DrillView>> ListDrillsAsync([AliasAs("env")] string? environment = null, CancellationToken cancellationToken = default);

    /// <summary>202 with where to follow the drill; a refused drill is a problem carrying <c>drillId</c>.</summary>
    [Post("/api/v1/drills")]
    Task<DrillAccepted> RunDrillAsync([Body] RequestDrill request, CancellationToken cancellationToken = default);

    [Get("/api/v1/drills/{id}")]
    Task<DrillView> GetDrillAsync(Guid id, CancellationToken cancellationToken = default);
}
