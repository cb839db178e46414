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
        Repository = e.Repository,
        Key = e.Key,
        KeyId = e.KeyId,
        // The data is as of the snapshot pg_dump read, taken when the dump started (on the ledger's clock).
        Timestamp = e.SnapshotAt,
    };

    public static RestorePoint Apply(BackupFailed e, RestorePoint rp) =>
        rp with { Status = BackupStatus.Failed, AgentId = e.AgentId, FailureReason = e.Reason, FinishedAt = e.FailedAt };

    public static RestorePoint Apply(BackupVerified e, RestorePoint rp) =>
        rp with { Status = BackupStatus.Verified, VerifiedAt = e.VerifiedAt };

    public static RestorePoint Apply(Ledger.Contracts.Retention.BackupExpired e, RestorePoint rp) => rp with
    {
        Status = BackupStatus.Expired,
        ExpiredAt = e.ExpiredAt,
        ExpiredBy = e.Rule,
        // Every copy expires with the backup (those the agent could not delete keep their state and the problem names them).
        Copies = rp.Copies.Select(c => c.Status == CopyStatus.Copied && (e.Repositories?.Contains(c.Repository) ?? true)
            ? c with { Status = CopyStatus.Expired, At = e.ExpiredAt }
            : c).ToList(),
    };

    public static RestorePoint Apply(BackupCopied e, RestorePoint rp) => rp with
    {
        Copies = [.. rp.Copies.Where(c => c.Repository != e.Repository),
            new BackupCopyState(e.Repository, e.Key, CopyStatus.Copied, e.SizeBytes, e.Sha256, e.DurationMs, null, e.CopiedAt)],
    };

    public static RestorePoint Apply(BackupCopyFailed e, RestorePoint rp) => rp with
    {
        Copies = [.. rp.Copies.Where(c => c.Repository != e.Repository),
            new BackupCopyState(e.Repository, null, CopyStatus.Failed, null, null, null, e.Reason, e.FailedAt)],
    };

    public static RestorePoint Apply(BackupVerificationFailed e, RestorePoint rp) =>
        rp with { Status = BackupStatus.VerificationFailed, FailureReason = e.Reason };
}
