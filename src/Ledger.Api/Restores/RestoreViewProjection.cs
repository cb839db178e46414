using Ledger.Contracts.Restores;
using Marten.Events.Aggregation;

namespace Ledger.Api.Restores;

/// <summary>Folds a restore stream into its view (inline, one document per restore or plan).</summary>
public sealed partial class RestoreViewProjection : SingleStreamProjection<RestoreView, Guid>
{
    public static RestoreView Create(RestoreRequested e) => new()
    {
        Id = e.RestoreId,
        Plan = e.Plan,
        BackupId = e.BackupId,
        SourceEnvironment = e.SourceEnvironment,
        SourceDatabase = e.SourceDatabase,
        Environment = e.Target.Environment,
        TargetDatabase = e.Target.Database,
        HostDatabase = e.Target.HostDatabase,
        TargetRole = e.Target.Role,
        TargetManaged = e.Target.Managed,
        AllowPrimary = e.AllowPrimary,
        Status = RestoreStatus.Requested,
        RequestedBy = e.RequestedBy,
        RequestedAt = e.RequestedAt,
        DrillId = e.DrillId,
        BackupSizeBytes = e.BackupSizeBytes,
        BackupSnapshotAt = e.BackupSnapshotAt,
        Estimate = e.Estimate,
        Blockers = e.Blockers,
    };

    public static RestoreView Apply(RestoreRefused e, RestoreView view) => view with
    {
        Status = RestoreStatus.Refused,
        Refusal = new RestoreRefusal(e.Interlock, e.Reason, e.HttpStatus),
        FailureReason = e.Reason,
        FinishedAt = e.RefusedAt,
    };

    public static RestoreView Apply(RestoreStarted e, RestoreView view) =>
        view with { Status = RestoreStatus.Running, AgentId = e.AgentId, StartedAt = e.StartedAt };

    public static RestoreView Apply(WritesBlocked e, RestoreView view) => view with
    {
        Status = RestoreStatus.WritesBlocked,
        WritesBlockedAt = e.BlockedAt,
        TargetCreated = e.TargetCreated,
        PreviousAllowConnections = e.PreviousAllowConnections,
        PreviousConnectionLimit = e.PreviousConnectionLimit,
        SessionsTerminated = e.SessionsTerminated,
        ChecksumMs = e.ChecksumMs,
    };

    public static RestoreView Apply(RestoreCompleted e, RestoreView view) => view with
    {
        Status = RestoreStatus.Verifying,
        Jobs = e.Jobs,
        PgRestoreVersion = e.PgRestoreVersion,
        RestoreOptions = e.RestoreOptions,
        RestoreMs = e.RestoreMs,
        DurationMs = e.DurationMs,
        CompletedAt = e.CompletedAt,
        OwnerRole = e.OwnerRole,
    };

    public static RestoreView Apply(RestoreFailed e, RestoreView view) => view with
    {
        Status = RestoreStatus.Failed,
        AgentId = e.AgentId,
        FailureStage = e.Stage,
        FailureReason = e.Reason,
        StderrTail = e.StderrTail,
        TargetTouched = e.TargetTouched,
        DurationMs = view.Plan ? null : e.DurationMs,
        FinishedAt = e.FailedAt,
    };

    public static RestoreView Apply(RestorePlanned e, RestoreView view) => view with
    {
        Status = RestoreStatus.Planned,
        AgentId = e.AgentId,
        FinishedAt = e.PlannedAt,
        PlanDetails = new RestorePlan(
            new PlannedBackup(view.BackupId, view.SourceEnvironment, view.SourceDatabase, view.BackupSnapshotAt,
                (long)Math.Max(0, (view.RequestedAt - view.BackupSnapshotAt).TotalSeconds), view.BackupSizeBytes),
            new RestoreTarget(view.Environment, view.TargetDatabase, view.HostDatabase, view.TargetRole, view.TargetManaged),
            e.Target,
            view.Estimate ?? new RestoreEstimate(null, "unknown", 0),
            e.DataLoss,
            e.ArtifactPresent,
            view.Blockers,
            e.Steps),
    };

    public static RestoreView Apply(ProjectionsRebuilt e, RestoreView view) =>
        view with { Rebuild = new RebuildRecord(true, true, e.Reason, e.Tenants, e.JobIds, e.HealthyAfter, e.DurationMs) };

    public static RestoreView Apply(ProjectionRebuildSkipped e, RestoreView view) =>
        view with { Rebuild = new RebuildRecord(e.Needed, false, e.Reason, [], [], null, null) };

    public static RestoreView Apply(VerificationPassed e, RestoreView view) => view with
    {
        Status = RestoreStatus.Verified,
        Checks = e.Checks,
        VerificationMs = e.DurationMs,
        VerifiedAt = e.VerifiedAt,
        FinishedAt = e.VerifiedAt,
    };

    public static RestoreView Apply(VerificationFailed e, RestoreView view) => view with
    {
        Status = RestoreStatus.VerificationFailed,
        Checks = e.Checks,
        FailureReason = e.Reason,
        VerificationMs = e.DurationMs,
        VerifiedAt = e.FailedAt,
        FinishedAt = e.FailedAt,
    };
}
