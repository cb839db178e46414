using System.Text.Json.Serialization;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Restores;

namespace Ledger.Contracts.Drills;

// The events of a restore drill (stream id = DrillId). A drill restores the newest verified backup of a database into a
// non-primary drill target through the restore flow and records what it achieved. The target may be in another
// environment than the source (production's backup drilled in staging): the drill belongs to its source.

/// <summary>
/// A drill began: which backup goes into which target, and the manual steps the operator had to take.
/// <see cref="TargetEnvironment"/> is where it runs (null in events written before drills could cross environments: the
/// source's); <see cref="Trigger"/> is <see cref="DrillTriggers"/> and <see cref="ScheduledFor"/> the occurrence of a
/// scheduled drill.
/// </summary>
public sealed record DrillStarted(
    Guid DrillId,
    string Environment,
    string Database,
    string TargetDatabase,
    Guid BackupId,
    DateTimeOffset BackupSnapshotAt,
    IReadOnlyList<string> ManualSteps,
    bool Keep,
    string RequestedBy,
    DateTimeOffset StartedAt,
    string? TargetEnvironment = null,
    string Trigger = DrillTriggers.Manual,
    DateTimeOffset? ScheduledFor = null);

/// <summary>
/// A scheduled drill's occurrence that was never started: the ledger did not reach it before its deadline (it was not
/// running). An occurrence the ledger reached but could not run is a <see cref="DrillStarted"/> with
/// <see cref="DrillFailed"/> (stage refused or no-backup) and the reason.
/// </summary>
public sealed record DrillMissed(
    Guid DrillId,
    string Environment,
    string Database,
    string TargetEnvironment,
    string TargetDatabase,
    DateTimeOffset ScheduledFor,
    string Reason,
    DateTimeOffset RecordedAt);

/// <summary>
/// The drill ran to the end: the restore completed and verification gave its verdict (<see cref="Passed"/>).
/// RTO = restore plus verification time; RPO = age of the backup at drill time. <see cref="ManualSteps"/> says
/// "none" explicitly when no manual step was needed. <see cref="TargetOutcome"/> is what became of the target (a code;
/// older events hold a sentence, read as its code), <see cref="TargetDetail"/> the same in words.
/// </summary>
public sealed record DrillCompleted(
    Guid DrillId,
    Guid RestoreId,
    bool Passed,
    long RtoMs,
    long RpoSeconds,
    IReadOnlyList<VerificationCheck> Checks,
    IReadOnlyList<string> ManualSteps,
    [property: JsonConverter(typeof(DrillTargetOutcomeJson))] DrillTargetOutcome TargetOutcome,
    DateTimeOffset CompletedAt,
    string? TargetDetail = null);

/// <summary>
/// The drill could not run or its restore failed. <see cref="Stage"/>: refused, no-backup, restore.
/// <see cref="TargetOutcome"/> says what happens to the drill target (null when the drill never reached it).
/// </summary>
public sealed record DrillFailed(
    Guid DrillId,
    Guid? RestoreId,
    string Stage,
    string Reason,
    DateTimeOffset FailedAt,
    [property: JsonConverter(typeof(DrillTargetOutcomeJson))] DrillTargetOutcome? TargetOutcome = null,
    string? TargetDetail = null);

/// <summary>The agent dropped the drill target (<see cref="Existed"/> false: it was already gone).</summary>
public sealed record DrillTargetDropped(
    Guid DrillId,
    string AgentId,
    string Environment,
    string TargetDatabase,
    bool Existed,
    long DurationMs,
    DateTimeOffset DroppedAt) : IAgentReport;

/// <summary>The agent did not drop the drill target, and why: it stays where it is.</summary>
public sealed record DrillTargetDropFailed(
    Guid DrillId,
    string AgentId,
    string Environment,
    string TargetDatabase,
    string Reason,
    DateTimeOffset FailedAt) : IAgentReport;

/// <summary>
/// A drill as the ledger knows it (an inline snapshot of its stream). <see cref="Environment"/> and <see cref="Database"/>
/// are the source the drill proves recoverable (the report counts it for them); <see cref="TargetEnvironment"/> is where
/// it ran.
/// </summary>
public sealed record DrillView
{
    public Guid Id { get; init; }
    public string Environment { get; init; } = "";
    public string Database { get; init; } = "";
    public string TargetEnvironment { get; init; } = "";
    public string TargetDatabase { get; init; } = "";
    public string Trigger { get; init; } = DrillTriggers.Manual;
    public DateTimeOffset? ScheduledFor { get; init; }
    public Guid? BackupId { get; init; }
    public DateTimeOffset? BackupSnapshotAt { get; init; }
    public Guid? RestoreId { get; init; }
    public DrillStatus Status { get; init; } = DrillStatus.Running;
    public string RequestedBy { get; init; } = "";
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public bool Keep { get; init; }
    public long? RtoMs { get; init; }
    public long? RpoSeconds { get; init; }
    public IReadOnlyList<VerificationCheck> Checks { get; init; } = [];
    public IReadOnlyList<string> ManualSteps { get; init; } = [];
    [JsonConverter(typeof(DrillTargetOutcomeJson))]
    public DrillTargetOutcome? TargetOutcome { get; init; }
    /// <summary><see cref="TargetOutcome"/> in words (why it was kept, why the drop failed).</summary>
    public string? TargetDetail { get; init; }
    public string? FailureStage { get; init; }
    public string? FailureReason { get; init; }
}
