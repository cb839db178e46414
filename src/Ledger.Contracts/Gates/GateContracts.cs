using Ledger.Contracts.Backups;
namespace Ledger.Contracts.Gates;

// A pre-upgrade gate answers "may this upgrade start?". Stream id: one per (environment, database, target release),
// see GateIds. Each request is an attempt; a pending attempt is joined by concurrent requests.

public sealed record GateRequested(
    Guid GateId,
    int Attempt,
    string Environment,
    string Database,
    string TargetRelease,
    string? CurrentRelease,
    long MaxBackupAgeSeconds,
    long TimeoutSeconds,
    Guid? BackupId,
    string RequestedBy,
    DateTimeOffset RequestedAt);

public sealed record GateOpened(Guid GateId, int Attempt, Guid BackupId, long BackupAgeSeconds, DateTimeOffset VerifiedAt, string Reason, DateTimeOffset OpenedAt);

public sealed record GateDenied(Guid GateId, int Attempt, Guid? BackupId, string Reason, DateTimeOffset DeniedAt);

public sealed record GateExpired(Guid GateId, int Attempt, Guid? BackupId, string Reason, DateTimeOffset ExpiredAt);

/// <summary>Delayed message: the gate's deadline for one attempt.</summary>
public sealed record GateTimedOut(Guid GateId, int Attempt);

/// <summary>Told to a gate when the backup it asked for reaches a final state.</summary>
public sealed record GateBackupFinished(Guid GateId, Guid BackupId, bool Verified, string? FailureReason, DateTimeOffset SnapshotAt, DateTimeOffset FinishedAt);

/// <summary>Body of <c>POST /api/v1/gates</c>. Durations in seconds; defaults 1 hour and 30 minutes.</summary>
public sealed record RequestGate(
    string Environment,
    string Database,
    string TargetRelease,
    string? CurrentRelease = null,
    long? MaxBackupAgeSeconds = null,
    long? TimeoutSeconds = null);

/// <summary>The backup that lets (or would let) a gate open.</summary>
public sealed record GateEvidence(Guid BackupId, BackupStatus Status, string? Release, DateTimeOffset? SnapshotAt, long? AgeSeconds, DateTimeOffset? VerifiedAt);

/// <summary>A gate's verdict, its reasons and evidence (the inline read model of a gate stream).</summary>
public sealed record GateView
{
    public Guid Id { get; init; }
    public int Attempt { get; init; }
    public string Environment { get; init; } = "";
    public string Database { get; init; } = "";
    public string TargetRelease { get; init; } = "";
    public string? CurrentRelease { get; init; }
    public GateStatus Status { get; init; } = GateStatus.Pending;
    public IReadOnlyList<string> Reasons { get; init; } = [];
    public Guid? BackupId { get; init; }
    public long? BackupAgeSeconds { get; init; }
    public DateTimeOffset? VerifiedAt { get; init; }
    public DateTimeOffset RequestedAt { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public DateTimeOffset Deadline { get; init; }
}

/// <summary>Answer of <c>GET /api/v1/gates/fresh-backup</c>.</summary>
public sealed record FreshBackupAnswer(bool Fresh, string Reason, GateEvidence? Evidence);
