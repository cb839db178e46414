using Ledger.Contracts.Agents;
using Ledger.Contracts.Restores;

namespace Ledger.Contracts.Drills;

// The events of a restore drill (stream id = DrillId). A drill restores the newest verified backup of a database into a
// non-primary drill target through the restore flow and records what it achieved.

/// <summary>A drill began: which backup goes into which target, and the manual steps the operator had to take.</summary>
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
    DateTimeOffset StartedAt);

/// <summary>
/// The drill ran to the end: the restore completed and verification gave its verdict (<see cref="Passed"/>).
/// RTO = restore plus verification time; RPO = age of the backup at drill time. <see cref="ManualSteps"/> says
/// "none" explicitly when no manual step was needed.
/// </summary>
public sealed record DrillCompleted(
    Guid DrillId,
    Guid RestoreId,
    bool Passed,
    long RtoMs,
    long RpoSeconds,
    IReadOnlyList<VerificationCheck> Checks,
    IReadOnlyList<string> ManualSteps,
    string TargetOutcome,
    DateTimeOffset CompletedAt);

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
    string? TargetOutcome = null);

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

public static class DrillStages
{
    public const string Refused = "refused";
    public const string NoBackup = "no-backup";
    public const string Restore = "restore";
}

public static class ManualSteps
{
    /// <summary>What a drill records when it needed no manual step: the runbook wants that said.</summary>
    public const string None = "none";

    public static IReadOnlyList<string> Recorded(IEnumerable<string>? steps)
    {
        var list = (steps ?? []).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
        return list.Count == 0 ? [None] : list;
    }

    /// <summary>How many real manual steps a recorded list holds ("none" counts zero).</summary>
    public static int Count(IReadOnlyList<string> recorded) => recorded.Count(s => s != None);
}

/// <summary>A drill as the ledger knows it (an inline snapshot of its stream).</summary>
public sealed record DrillView
{
    public Guid Id { get; init; }
    public string Environment { get; init; } = "";
    public string Database { get; init; } = "";
    public string TargetDatabase { get; init; } = "";
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
    public string? TargetOutcome { get; init; }
    public string? FailureStage { get; init; }
    public string? FailureReason { get; init; }
}
