using Ledger.Contracts.Backups;

namespace Ledger.Api.Backups;

/// <summary>
/// The decision state of a backup stream: only what the handlers need to accept or ignore an agent's report,
/// and whom to tell (the gate that asked for it) when it ends.
/// </summary>
public sealed record Backup(Guid Id, BackupStatus Status, Guid? GateId, DateTimeOffset? SnapshotAt)
{
    public static Backup Create(BackupRequested e) => new(e.BackupId, BackupStatus.Requested, e.GateId, null);

    public static Backup Create(BackupMissed e) => new(e.BackupId, BackupStatus.Missed, null, null);

    public Backup Apply(BackupMissed _) => this;
    public Backup Apply(BackupStarted _) => this with { Status = BackupStatus.Running };
    public Backup Apply(BackupTaken e) => this with { Status = BackupStatus.Taken, SnapshotAt = e.SnapshotAt };
    public Backup Apply(BackupFailed _) => this with { Status = BackupStatus.Failed };
    public Backup Apply(BackupVerified _) => this with { Status = BackupStatus.Verified };
    public Backup Apply(BackupVerificationFailed _) => this with { Status = BackupStatus.VerificationFailed };
    public Backup Apply(Ledger.Contracts.Retention.BackupExpired _) => this with { Status = BackupStatus.Expired };
    public Backup Apply(BackupCopied _) => this;
    public Backup Apply(BackupCopyFailed _) => this;

    public bool IsRunnable => Status is BackupStatus.Requested or BackupStatus.Running;
}
