using Ledger.Contracts.Backups;
using Ledger.Contracts.Fidelity;

namespace Ledger.Contracts.Restores;

/// <summary>
/// Where a restore goes. <see cref="HostDatabase"/> is the managed database whose server (and connection) the agent
/// uses: the target itself when <see cref="Managed"/>, otherwise the managed database next to which the target is
/// created. <see cref="Role"/> is the role that decides the interlocks (see RestoreTargets in the ledger).
/// <see cref="ManagedElsewhere"/> names the managed database ("env/name") that the target's name really is, when that
/// database belongs to another environment: such a target is refused, by the ledger and by the agent.
/// </summary>
public sealed record RestoreTarget(string Environment, string Database, string HostDatabase, string Role, bool Managed,
    string? ManagedElsewhere = null);

/// <summary>
/// What the agent needs to know about the backup: where the artifact is (its location, and repository + key when
/// recorded), its verified copies, the key id it is encrypted with, and what it must hash to and contain.
/// </summary>
public sealed record RestoreArtifact(
    Guid BackupId,
    string Environment,
    string Database,
    string ArtifactPath,
    long SizeBytes,
    string Sha256,
    DateTimeOffset SnapshotAt,
    IReadOnlyList<TableRowCount> TableRowCounts,
    DatabaseFingerprint? Fingerprint,
    string? Repository = null,
    string? Key = null,
    string? KeyId = null,
    IReadOnlyList<ArtifactCopy>? Copies = null,
    string? SourceOwner = null);

/// <summary>
/// Sent by the ledger to the queue of the target's environment: restore this backup into that target, then verify.
/// An agent does not run a request older than <see cref="RestoreTimings.MaxQueueAge"/>: a restore nobody is waiting for
/// any more must not overwrite a database hours later.
/// </summary>
public sealed record RestoreBackup(Guid RestoreId, RestoreArtifact Backup, RestoreTarget Target, DateTimeOffset RequestedAt) : Security.IAgentCommand
{
    Guid Security.IAgentCommand.OperationId => RestoreId;
}

/// <summary>Sent by the ledger for a plan: read the target and report what a restore would do; change nothing.</summary>
public sealed record PlanRestore(Guid RestoreId, RestoreArtifact Backup, RestoreTarget Target, DateTimeOffset RequestedAt) : Security.IAgentCommand
{
    Guid Security.IAgentCommand.OperationId => RestoreId;
}

/// <summary>How long a restore is expected to take, learned from past restores (null when there is nothing to learn from).</summary>
public sealed record RestoreEstimate(long? ExpectedDurationMs, string Basis, int Samples);

/// <summary>The target as the agent found it for a plan.</summary>
public sealed record RestoreTargetState(
    bool Exists,
    long? SizeBytes,
    int ActiveSessions,
    bool? AllowConnections,
    int? ConnectionLimit,
    bool AgentIsSuperuser,
    long? EventLogHead);

/// <summary>
/// What restoring would lose: rows the target has beyond the backup, table by table (row counts only, so changes made
/// in place are not visible), and events appended to dg_event_log since the backup.
/// </summary>
public sealed record RestoreDataLoss(
    string Summary,
    long RowsAtRisk,
    long? EventsSinceBackup,
    IReadOnlyList<TableChange> Tables,
    int UnchangedTables);

/// <summary>Change: "more rows now" (at risk), "fewer rows now", "only in target" (kept by pg_restore --clean), "only in backup".</summary>
public sealed record TableChange(string Schema, string Table, long? BackupRows, long? TargetRows, string Change);
