using Ledger.Contracts.Drills;

namespace Ledger.Api.Drills;

/// <summary>
/// The decision state of a drill stream (the write model): only what the handlers need to accept or ignore the end of
/// its restore and its agent's drop report. The inline <see cref="DrillView"/> is the read model.
/// </summary>
public sealed record Drill(
    Guid Id,
    DrillStatus Status,
    string Environment,
    string TargetEnvironment,
    string TargetDatabase,
    bool Keep,
    DateTimeOffset StartedAt,
    DateTimeOffset? BackupSnapshotAt,
    IReadOnlyList<string> ManualSteps,
    DrillTargetOutcome? Target)
{
    public static Drill Create(DrillStarted e) => new(e.DrillId, DrillStatus.Running, e.Environment,
        e.TargetEnvironment ?? e.Environment, e.TargetDatabase, e.Keep, e.StartedAt,
        e.BackupId == Guid.Empty ? null : e.BackupSnapshotAt, Contracts.Drills.ManualSteps.Recorded(e.ManualSteps), null);

    public static Drill Create(DrillMissed e) => new(e.DrillId, DrillStatus.Missed, e.Environment, e.TargetEnvironment,
        e.TargetDatabase, false, e.ScheduledFor, null, [], null);

    public Drill Apply(DrillCompleted e) => IsFinal ? this : this with
    {
        Status = e.Passed ? DrillStatus.Passed : DrillStatus.VerificationFailed,
        Target = e.TargetOutcome,
    };

    public Drill Apply(DrillFailed e) => IsFinal ? this : this with { Status = DrillStatus.Failed, Target = e.TargetOutcome ?? Target };

    public Drill Apply(DrillTargetDropped _) => TargetPending ? this with { Target = DrillTargetOutcome.Dropped } : this;

    public Drill Apply(DrillTargetDropFailed _) => TargetPending ? this with { Target = DrillTargetOutcome.DropFailed } : this;

    /// <summary>The drill has its verdict: a later or repeated outcome changes nothing.</summary>
    public bool IsFinal => Status.IsFinal();

    /// <summary>The ledger asked the agent to drop the target and has no answer yet.</summary>
    public bool TargetPending => DrillTargetOutcomes.IsPending(Target);
}
