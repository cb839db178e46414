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
    IReadOnlyList<ArtifactCopy>? Copies = null);

/// <summary>
/// Sent by the ledger to the queue of the target's environment: restore this backup into that target, then verify.
/// An agent does not run a request older than <see cref="RestoreTimings.MaxQueueAge"/>: a restore nobody is waiting for
/// any more must not overwrite a database hours later.
/// </summary>
public sealed record RestoreBackup(Guid RestoreId, RestoreArtifact Backup, RestoreTarget Target, DateTimeOffset RequestedAt) : Security.IAgentCommand
{
    Guid Security.IAgentCommand.OperationId => RestoreId;
}

public static class RestoreTimings
{
    /// <summary>How long a restore request may wait in its queue before agents refuse to run it.</summary>
    public static readonly TimeSpan MaxQueueAge = TimeSpan.FromHours(1);
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

/// <summary>Where a restore failed (<see cref="RestoreFailed.Stage"/>).</summary>
public static class RestoreStages
{
    public const string Accept = "accept";
    public const string Checksum = "checksum";
    public const string Preflight = "preflight";
    public const string Block = "block";
    public const string PgRestore = "pg_restore";
    public const string Unblock = "unblock";
    public const string Plan = "plan";
    /// <summary>Recorded by the ledger: the agent doing the restore went silent past the operation lease.</summary>
    public const string Abandoned = "abandoned";
}

/// <summary>The interlocks, as named in <see cref="RestoreRefused.Interlock"/>.</summary>
public static class Interlocks
{
    public const string Confirmation = "confirmation";
    public const string PrimaryTarget = "primary-target";
    public const string OperatorRole = "operator-role";
    public const string BackupNotRestorable = "backup-not-restorable";
    public const string RestoreInProgress = "restore-in-progress";
    /// <summary>No agent serving the target's environment is alive: nothing would run the restore (503).</summary>
    public const string AgentUnavailable = "agent-unavailable";
    /// <summary>The target is a database managed in another environment: it is restored only through its own (400).</summary>
    public const string ManagedElsewhere = "managed-elsewhere";
}

/// <summary>The post-restore checks (<see cref="VerificationCheck.Name"/>) and their outcomes.</summary>
public static class CheckNames
{
    public const string Fidelity = "fidelity";
    public const string ProjectionState = "projection-state";
    public const string ApplicationHealth = "application-health";
    public const string ApplicationProjections = "application-projections";
    public const string ProjectionRebuild = "projection-rebuild";
    /// <summary>The restored point in time against what the backup recorded at its snapshot (newest event, trace, workflow activity).</summary>
    public const string Plausibility = "plausibility";
    /// <summary>POST /api/v1/admin/replays {"mode": "catch_up"} per tenant, admitted 202 and polled to its end.</summary>
    public const string ProjectionCatchUp = "projection-catch-up";
    /// <summary>GET / answers 200 with DecisionGraph's "Operator Console".</summary>
    public const string OperatorConsole = "operator-console";
    /// <summary>GET /api/v1/traces/{newest trace} answers 200.</summary>
    public const string TraceRead = "trace-read";
}

public static class CheckOutcomes
{
    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
    /// <summary>A problem the projection rebuild then fixed.</summary>
    public const string Repaired = "repaired";
}
