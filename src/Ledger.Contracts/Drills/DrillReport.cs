namespace Ledger.Contracts.Drills;

/// <summary>
/// Answer to <c>GET /api/v1/reports/drills</c>: the drill-cadence and backup-policy compliance of every database,
/// each line with the ids of the streams that prove it.
/// </summary>
public sealed record DrillComplianceReport(
    DateTimeOffset GeneratedAt,
    DateTimeOffset Since,
    DrillPolicy Policy,
    bool Compliant,
    IReadOnlyList<DatabaseCompliance> Lines);

/// <summary>The policy the report measures against (ledger configuration <c>Drills:*</c>).</summary>
public sealed record DrillPolicy(int CadenceDays, long RtoTargetSeconds, double MinPassRate);

/// <summary>One control (a rule of the policy) for one database: whether it holds, why, and the evidence.</summary>
/// <param name="Evidence">Ids of the drills, backups or gates that prove the verdict.</param>
public sealed record ControlResult(string Control, bool Passed, string Detail, IReadOnlyList<Guid> Evidence);

/// <summary>A drill on the report's timeline: how it was started (<see cref="DrillTriggers"/>) and where it ran.</summary>
public sealed record DrillMark(Guid DrillId, DateTimeOffset At, DrillStatus Status, long? RtoSeconds, int ManualSteps,
    string Trigger = DrillTriggers.Manual, string? TargetEnvironment = null);

public sealed record DatabaseCompliance
{
    public string Environment { get; init; } = "";
    public string Database { get; init; } = "";
    public bool Compliant { get; init; }

    public int DrillsRun { get; init; }
    /// <summary>Of <see cref="DrillsRun"/>, those the drill schedule started.</summary>
    public int ScheduledDrillsRun { get; init; }
    /// <summary>Of <see cref="DrillsRun"/>, those a person or pipeline started.</summary>
    public int ManualDrillsRun { get; init; }
    /// <summary>Scheduled occurrences in the window that did not run: missed (never started) or refused (with the reason on the drill).</summary>
    public int ScheduledDrillsNotRun { get; init; }
    public int DrillsPassed { get; init; }
    /// <summary>Passed / finished drills, null when none finished in the window.</summary>
    public double? PassRate { get; init; }
    public DateTimeOffset? LastDrillAt { get; init; }
    public int? DaysSinceLastDrill { get; init; }
    public bool DrillOverdue { get; init; }
    public long? MedianRtoSeconds { get; init; }
    public long? WorstRtoSeconds { get; init; }
    public int ManualSteps { get; init; }

    /// <summary>Whole UTC days in the window (from when the database was first known) with no successful scheduled or manual backup.</summary>
    public IReadOnlyList<DateOnly> DaysWithoutBackup { get; init; } = [];
    /// <summary>Opened gates (upgrades) whose backup is not a pre-upgrade backup of this database.</summary>
    public IReadOnlyList<Guid> UpgradesWithoutPreUpgradeBackup { get; init; } = [];
    public int UpgradesOpened { get; init; }
    public Guid? NewestVerifiedBackupId { get; init; }
    public DateTimeOffset? NewestVerifiedAt { get; init; }
    public long? NewestVerifiedAgeSeconds { get; init; }

    public IReadOnlyList<DrillMark> Drills { get; init; } = [];
    public IReadOnlyList<ControlResult> Controls { get; init; } = [];
}
