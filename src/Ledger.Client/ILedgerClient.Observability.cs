using Ledger.Contracts.Common;
using Ledger.Contracts.Doctor;
using Ledger.Contracts.Notifications;
using Refit;

namespace Ledger.Client;

/// <summary>Observability: webhook deliveries and the doctor.</summary>
public partial interface ILedgerClient
{
    /// <summary>Webhook deliveries, newest first; <paramref name="status"/> <c>failed</c> lists the ones that gave up.</summary>
    [Get("/api/v1/notifications/deliveries")]
    Task<Page<WebhookDelivery>> ListDeliveriesAsync(string? status = null, string? webhook = null, string? environment = null,
        int? page = null, int? pageSize = null, CancellationToken cancellationToken = default);

    /// <summary>Runs the ledger's checks and asks the agents of every (or one) environment for theirs.</summary>
    [Post("/api/v1/doctor")]
    Task<DoctorRun> StartDoctorAsync([Body] RequestDoctor request, CancellationToken cancellationToken = default);

    /// <summary>A doctor run: the ledger's checks and each agent's report as it arrives.</summary>
    [Get("/api/v1/doctor/{id}")]
    Task<DoctorRun> GetDoctorAsync(Guid id, CancellationToken cancellationToken = default);
}
