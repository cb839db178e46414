using Ledger.Contracts.Backups;
using Marten.Events.Aggregation;

namespace Ledger.Api.Backups;

/// <summary>Folds a backup stream into its restore point (inline, one document per backup).</summary>
public sealed partial class RestorePointProjection : SingleStreamProjection<RestorePoint, Guid>
{
    public static RestorePoint Create(BackupRequested e) => new()
    {
        Id = e.BackupId,
        Environment = e.Environment,
        Database = e.Database,
        Trigger = e.Trigger,
        Release = e.Release,
        RequestedBy = e.RequestedBy,
        RequestedAt = e.RequestedAt,
        Timestamp = e.ScheduledFor ?? e.RequestedAt,
        ScheduledFor = e.ScheduledFor,
        Status = BackupStatus.Requested,
    };

    /// <summary>A scheduled occurrence the ledger never requested: a restore point that says "missed".</summary>
    public static RestorePoint Create(BackupMissed e) => new()
    {
        Id = e.BackupId,
        Environment = e.Environment,
        Database = e.Database,
        Trigger = BackupTriggers.Scheduled,
        RequestedBy = "scheduler",
        RequestedAt = e.ScheduledFor,
        Timestamp = e.ScheduledFor,
        ScheduledFor = e.ScheduledFor,
        Status = BackupStatus.Missed,
        Missed = true,
        FailureReason = e.Reason,
    };

    public static RestorePoint Apply(BackupMissed e, RestorePoint rp) => rp with
    {
        Missed = true,
        Status = rp.Status is BackupStatus.Requested or BackupStatus.Running or BackupStatus.Failed ? BackupStatus.Missed : rp.Status,
        FailureReason = rp.FailureReason ?? e.Reason,
    };

    public static RestorePoint Apply(BackupStarted e, RestorePoint rp) =>
        rp with { Status = BackupStatus.Running, AgentId = e.AgentId, StartedAt = e.StartedAt };

    public static RestorePoint Apply(BackupTaken e, RestorePoint rp) => rp with
    {
        Status = BackupStatus.Taken,
        AgentId = e.AgentId,
        StartedAt = e.StartedAt,
        FinishedAt = e.FinishedAt,
        DurationMs = e.DurationMs,
        ArtifactPath = e.ArtifactPath,
        SizeBytes = e.SizeBytes,
        Sha256 = e.Sha256,
        PgDumpVersion = e.PgDumpVersion,
        ServerVersion = e.ServerVersion,
        DumpOptions = e.DumpOptions,
        TableRowCounts = e.TableRowCounts,
        Exports = e.Exports ?? [],
        // The data is as of the snapshot pg_dump read, taken when the dump started (on the ledger's clock).
        Timestamp = e.SnapshotAt,
    };

    public static RestorePoint Apply(BackupFailed e, RestorePoint rp) =>
        rp with { Status = BackupStatus.Failed, AgentId = e.AgentId, FailureReason = e.Reason, FinishedAt = e.FailedAt };

    public static RestorePoint Apply(BackupVerified e, RestorePoint rp) =>
        rp with { Status = BackupStatus.Verified, VerifiedAt = e.VerifiedAt };

    public static RestorePoint Apply(Ledger.Contracts.Retention.BackupExpired e, RestorePoint rp) =>
        rp with { Status = BackupStatus.Expired, ExpiredAt = e.ExpiredAt, ExpiredBy = e.Rule };

    public static RestorePoint Apply(BackupVerificationFailed e, RestorePoint rp) =>
        rp with { Status = BackupStatus.VerificationFailed, FailureReason = e.Reason };
}
