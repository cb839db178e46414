using Ledger.Contracts.Agents;
using Ledger.Contracts.Fidelity;

namespace Ledger.Contracts.Backups;

// The events of a backup stream (stream id = BackupId). Past tense: stream id first, then the facts, then who and when.
// Agents report BackupStarted .. BackupVerificationFailed as messages on the ledger queue; the ledger appends them.

/// <summary>Someone (a person, a pipeline, the scheduler) asked for a backup.</summary>
public sealed record BackupRequested(
    Guid BackupId,
    string Environment,
    string Database,
    string Trigger,
    string? Release,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    Guid? GateId = null,
    DateTimeOffset? ScheduledFor = null);

/// <summary>The agent serving the environment picked the request up and started pg_dump.</summary>
public sealed record BackupStarted(
    Guid BackupId,
    string AgentId,
    DateTimeOffset StartedAt) : IAgentReport;

/// <summary>
/// A finished, durable artifact exists. Carries everything the runbook asks to record. <see cref="ArtifactPath"/> is the
/// artifact's location (<see cref="Repository"/> + "/" + <see cref="Key"/>; for a local repository, its path). Events
/// written before repositories had ids carry only the path. <see cref="KeyId"/> names the encryption key of an encrypted
/// artifact (never the key); <see cref="Sha256"/> and <see cref="SizeBytes"/> are those of the stored bytes.
/// <see cref="SourceOwner"/> is the role that owned the source database at dump time (a restore gives the target to it
/// unless the target's OwnerRole is configured); null in events written before it was recorded.
/// </summary>
public sealed record BackupTaken(
    Guid BackupId,
    string Environment,
    string Database,
    string Trigger,
    string? Release,
    string AgentId,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    long DurationMs,
    string ArtifactPath,
    long SizeBytes,
    string Sha256,
    string PgDumpVersion,
    string ServerVersion,
    IReadOnlyList<string> DumpOptions,
    IReadOnlyList<TableRowCount> TableRowCounts,
    DatabaseFingerprint? Fingerprint = null,
    IReadOnlyList<CompanionExport>? Exports = null,
    string? Repository = null,
    string? Key = null,
    string? KeyId = null,
    DateTimeOffset? SnapshotAtLedgerClock = null,
    string? SourceOwner = null) : IAgentReport
{
    /// <summary>
    /// When the data is from, on the ledger's clock: set by the ledger when it appends the report (the agent's
    /// <see cref="StartedAt"/>, unless the agent's clock runs ahead). Freshness and ages are decided on it.
    /// </summary>
    public DateTimeOffset SnapshotAt => SnapshotAtLedgerClock ?? StartedAt;
}

/// <summary>
/// A DecisionGraph workflow export stored alongside a backup set (BACKUP_AND_RESTORE.md: "store them alongside the
/// backup set, but do not treat them as a substitute"): the answer of <c>GET /api/v1/admin/workflows/{id}/export</c>,
/// its path and SHA-256 (hex), or, when it could not be fetched, <see cref="Status"/> "failed" and why. It is never a
/// restore point and never restored into a database.
/// </summary>
public sealed record CompanionExport(string Tenant, string WorkflowId, string Status, string? Path, long SizeBytes, string? Sha256, string? Error)
{
    public const string Stored = "stored";
    public const string Failed = "failed";
}

/// <summary>The backup could not be taken; no artifact that looks finished was left behind.</summary>
public sealed record BackupFailed(
    Guid BackupId,
    string AgentId,
    string Reason,
    string? StderrTail,
    DateTimeOffset FailedAt) : IAgentReport;

/// <summary>The artifact re-hashed to the recorded SHA-256 and its table of contents holds every counted table.</summary>
public sealed record BackupVerified(
    Guid BackupId,
    string AgentId,
    string Sha256,
    int TablesChecked,
    long DurationMs,
    DateTimeOffset VerifiedAt) : IAgentReport;

/// <summary>The artifact did not survive verification: it must not be restored.</summary>
public sealed record BackupVerificationFailed(
    Guid BackupId,
    string AgentId,
    string Reason,
    DateTimeOffset FailedAt) : IAgentReport;

/// <summary>
/// A scheduled backup had not been taken by its deadline. It may still be taken later (the agent was late), but the
/// miss stays on record for the compliance report.
/// </summary>
public sealed record BackupMissed(
    Guid BackupId,
    string Environment,
    string Database,
    DateTimeOffset ScheduledFor,
    DateTimeOffset Deadline,
    string Reason,
    DateTimeOffset RecordedAt);

/// <summary>Rows in one table, counted in the very snapshot pg_dump read.</summary>
public sealed record TableRowCount(string Schema, string Table, long Rows);
