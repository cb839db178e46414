namespace Ledger.Contracts.Restores;

/// <summary>
/// Body of <c>POST /api/v1/restores</c>. <see cref="Confirm"/> must repeat <see cref="TargetDatabase"/>;
/// <see cref="Environment"/> defaults to the backup's; <see cref="Plan"/> changes nothing and reports what would happen.
/// </summary>
public sealed record RequestRestore(
    Guid BackupId,
    string TargetDatabase,
    string? Confirm,
    string? Environment = null,
    bool AllowPrimary = false,
    bool Plan = false);

/// <summary>Answer to an accepted restore or plan request: where to follow it.</summary>
public sealed record RestoreAccepted(Guid RestoreId, bool Plan, RestoreStatus Status, string Location);

/// <summary>
/// A restore as the ledger knows it, kept consistent with every write (an inline snapshot of the stream).
/// Durations: <see cref="DurationMs"/> is the restore (checksum, block, pg_restore, unblock), <see cref="VerificationMs"/>
/// the checks (and any rebuild); a drill's RTO is their sum.
/// </summary>
public sealed record RestoreView
{
    public Guid Id { get; init; }
    public bool Plan { get; init; }
    public Guid BackupId { get; init; }
    public string SourceEnvironment { get; init; } = "";
    public string SourceDatabase { get; init; } = "";
    public string Environment { get; init; } = "";
    public string TargetDatabase { get; init; } = "";
    public string HostDatabase { get; init; } = "";
    public string TargetRole { get; init; } = "";
    public bool TargetManaged { get; init; }
    public bool AllowPrimary { get; init; }
    public RestoreStatus Status { get; init; } = RestoreStatus.Requested;
    public string RequestedBy { get; init; } = "";
    public DateTimeOffset RequestedAt { get; init; }
    public Guid? DrillId { get; init; }
    public long BackupSizeBytes { get; init; }
    public DateTimeOffset BackupSnapshotAt { get; init; }
    public RestoreEstimate? Estimate { get; init; }

    /// <summary>The interlock that refused this restore.</summary>
    public RestoreRefusal? Refusal { get; init; }

    /// <summary>For a plan: the interlocks that would refuse the restore.</summary>
    public IReadOnlyList<RestoreRefusal> Blockers { get; init; } = [];

    public RestorePlan? PlanDetails { get; init; }

    public string? AgentId { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? WritesBlockedAt { get; init; }
    public bool? TargetCreated { get; init; }
    public bool? PreviousAllowConnections { get; init; }
    public int? PreviousConnectionLimit { get; init; }
    public int? SessionsTerminated { get; init; }
    public long? ChecksumMs { get; init; }
    public int? Jobs { get; init; }
    public string? PgRestoreVersion { get; init; }
    public IReadOnlyList<string> RestoreOptions { get; init; } = [];
    public long? RestoreMs { get; init; }
    public long? DurationMs { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    /// <summary>The role that owns the restored target and its objects (RestoreCompleted).</summary>
    public string? OwnerRole { get; init; }

    public string? FailureStage { get; init; }
    public string? FailureReason { get; init; }
    public string? StderrTail { get; init; }
    public bool? TargetTouched { get; init; }

    public IReadOnlyList<VerificationCheck> Checks { get; init; } = [];
    public long? VerificationMs { get; init; }
    public DateTimeOffset? VerifiedAt { get; init; }
    public RebuildRecord? Rebuild { get; init; }

    /// <summary>When the restore (or plan) reached its final state.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>What happened about projections after the restore: rebuilt (with the jobs) or why not.</summary>
public sealed record RebuildRecord(bool Needed, bool Requested, string Reason, IReadOnlyList<string> Tenants,
    IReadOnlyList<string> JobIds, bool? HealthyAfter, long? DurationMs);

/// <summary>What a restore would do, and what it would cost (<c>plan: true</c>).</summary>
public sealed record RestorePlan(
    PlannedBackup Backup,
    RestoreTarget Target,
    RestoreTargetState TargetState,
    RestoreEstimate ExpectedDuration,
    RestoreDataLoss DataLoss,
    bool ArtifactPresent,
    IReadOnlyList<RestoreRefusal> WouldBeRefused,
    IReadOnlyList<string> Steps);

/// <summary>The backup a plan would restore; its age is taken at the time of the plan.</summary>
public sealed record PlannedBackup(Guid BackupId, string Environment, string Database, DateTimeOffset SnapshotAt,
    long AgeSeconds, long SizeBytes);
