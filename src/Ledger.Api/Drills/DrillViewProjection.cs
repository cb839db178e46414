using Ledger.Contracts.Drills;
using Marten.Events.Aggregation;

namespace Ledger.Api.Drills;

/// <summary>A drill's state, achieved RTO/RPO, checks and manual steps (inline, so an answer matches the write).</summary>
public sealed partial class DrillViewProjection : SingleStreamProjection<DrillView, Guid>
{
    public static DrillView Create(DrillStarted e) => new()
    {
        Id = e.DrillId,
        Environment = e.Environment,
        Database = e.Database,
        TargetDatabase = e.TargetDatabase,
        BackupId = e.BackupId == Guid.Empty ? null : e.BackupId,
        BackupSnapshotAt = e.BackupId == Guid.Empty ? null : e.BackupSnapshotAt,
        ManualSteps = ManualSteps.Recorded(e.ManualSteps),
        Keep = e.Keep,
        RequestedBy = e.RequestedBy,
        StartedAt = e.StartedAt,
        Status = DrillStatus.Running,
    };

    public static DrillView Apply(DrillCompleted e, DrillView view) => view.Status.IsFinal() ? view : view with
    {
        RestoreId = e.RestoreId,
        Status = e.Passed ? DrillStatus.Passed : DrillStatus.VerificationFailed,
        RtoMs = e.RtoMs,
        RpoSeconds = e.RpoSeconds,
        Checks = e.Checks,
        ManualSteps = ManualSteps.Recorded(e.ManualSteps),
        TargetOutcome = e.TargetOutcome,
        FinishedAt = e.CompletedAt,
    };

    public static DrillView Apply(DrillFailed e, DrillView view) => view.Status.IsFinal() ? view : view with
    {
        RestoreId = e.RestoreId ?? view.RestoreId,
        Status = DrillStatus.Failed,
        FailureStage = e.Stage,
        FailureReason = e.Reason,
        TargetOutcome = e.TargetOutcome ?? view.TargetOutcome,
        FinishedAt = e.FailedAt,
    };

    public static DrillView Apply(DrillTargetDropped e, DrillView view) =>
        DrillTargets.IsPending(view.TargetOutcome) ? view with { TargetOutcome = e.Existed ? DrillTargets.Dropped : DrillTargets.Dropped + " (it was already gone)" } : view;

    public static DrillView Apply(DrillTargetDropFailed e, DrillView view) =>
        DrillTargets.IsPending(view.TargetOutcome) ? view with { TargetOutcome = DrillTargets.DropFailed(e.Reason) } : view;
}
