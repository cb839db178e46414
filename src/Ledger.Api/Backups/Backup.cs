using Ledger.Contracts.Backups;

namespace Ledger.Api.Backups;

/// <summary>
/// The decision state of a backup stream: only what the handlers need to accept or ignore an agent's report,
/// and whom to tell (the gate that asked for it) when it ends.
/// </summary>
public sealed record Backup(Guid Id, string Status, Guid? GateId, DateTimeOffset? SnapshotAt)
{
    public static Backup Create(BackupRequested e) => new(e.BackupId, BackupStatuses.Requested, e.GateId, null);

    public static Backup Create(BackupMissed e) => new(e.BackupId, BackupStatuses.Missed, null, null);

    public Backup Apply(BackupMissed _) => this;
    public Backup Apply(BackupStarted _) => this with { Status = BackupStatuses.Running };
    public Backup Apply(BackupTaken e) => this with { Status = BackupStatuses.Taken, SnapshotAt = e.SnapshotAt };
    public Backup Apply(BackupFailed _) => this with { Status = BackupStatuses.Failed };
    public Backup Apply(BackupVerified _) => this with { Status = BackupStatuses.Verified };
    public Backup Apply(BackupVerificationFailed _) => this with { Status = BackupStatuses.VerificationFailed };
    public Backup Apply(Ledger.Contracts.Retention.BackupExpired _) => this with { Status = BackupStatuses.Expired };

    public bool IsRunnable => Status is BackupStatuses.Requested or BackupStatuses.Running;
}
