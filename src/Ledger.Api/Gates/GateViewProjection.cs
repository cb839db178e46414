using Ledger.Contracts.Gates;
using Marten.Events.Aggregation;

namespace Ledger.Api.Gates;

/// <summary>The verdict of a gate's latest attempt, with reasons and evidence (inline).</summary>
public sealed partial class GateViewProjection : SingleStreamProjection<GateView, Guid>
{
    public static GateView Create(GateRequested e) => Apply(e, new GateView());

    public static GateView Apply(GateRequested e, GateView _) => new()
    {
        Id = e.GateId,
        Attempt = e.Attempt,
        Environment = e.Environment,
        Database = e.Database,
        TargetRelease = e.TargetRelease,
        CurrentRelease = e.CurrentRelease,
        Status = GateStatus.Pending,
        Reasons = [e.BackupId is { } id ? $"waiting for pre-upgrade backup {id} to be taken and verified" : "checking for a fresh backup"],
        BackupId = e.BackupId,
        RequestedAt = e.RequestedAt,
        Deadline = e.RequestedAt.AddSeconds(e.TimeoutSeconds),
    };

    public static GateView Apply(GateOpened e, GateView view) => view with
    {
        Status = GateStatus.Open, Reasons = [e.Reason], BackupId = e.BackupId, BackupAgeSeconds = e.BackupAgeSeconds,
        VerifiedAt = e.VerifiedAt, DecidedAt = e.OpenedAt,
    };

    public static GateView Apply(GateDenied e, GateView view) =>
        view with { Status = GateStatus.Denied, Reasons = [e.Reason], DecidedAt = e.DeniedAt };

    public static GateView Apply(GateExpired e, GateView view) =>
        view with { Status = GateStatus.Expired, Reasons = [e.Reason], DecidedAt = e.ExpiredAt };
}
