using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;

namespace Ledger.Contracts.Restores;

// The events of a restore stream (stream id = RestoreId). Past tense: stream id first, then the facts, then who and
// when. The ledger appends RestoreRequested and RestoreRefused; the agent that can reach the target reports the rest
// as messages on the ledger queue, and the ledger appends each one only if the stream is in a state that accepts it.
// A plan (RestoreRequested.Plan) is a restore stream too: RestoreRequested, then RestorePlanned (or RestoreFailed at
// stage "plan"); nothing is done to the target.

/// <summary>Someone asked to restore a backup into a target database (or, with <see cref="Plan"/>, what that would do).</summary>
/// <param name="Blockers">For a plan: the interlocks that would refuse this restore. Empty for an accepted restore.</param>
/// <param name="DrillId">Set when a restore drill asked for this restore; the drill is told when it ends.</param>
public sealed record RestoreRequested(
    Guid RestoreId,
    Guid BackupId,
    string SourceEnvironment,
    string SourceDatabase,
    RestoreTarget Target,
    bool Plan,
    bool AllowPrimary,
    long BackupSizeBytes,
    DateTimeOffset BackupSnapshotAt,
    RestoreEstimate Estimate,
    IReadOnlyList<RestoreRefusal> Blockers,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    Guid? DrillId = null);

/// <summary>An interlock stopped the restore before anything was sent to an agent (<see cref="HttpStatus"/>: the answer given).</summary>
public sealed record RestoreRefused(
    Guid RestoreId,
    string Interlock,
    string Reason,
    int HttpStatus,
    DateTimeOffset RefusedAt);

/// <summary>The agent that can reach the target accepted the restore.</summary>
public sealed record RestoreStarted(
    Guid RestoreId,
    string AgentId,
    DateTimeOffset StartedAt) : IAgentReport;

/// <summary>
/// The artifact hashed to the recorded SHA-256 and the target was closed: no new connections, every existing session
/// ended. The previous settings are recorded so they can be put back.
/// </summary>
public sealed record WritesBlocked(
    Guid RestoreId,
    string AgentId,
    bool TargetCreated,
    bool PreviousAllowConnections,
    int PreviousConnectionLimit,
    int SessionsTerminated,
    long ChecksumMs,
    DateTimeOffset BlockedAt) : IAgentReport;

/// <summary>pg_restore finished and the target's previous connection settings were put back.</summary>
/// <param name="RestoreMs">pg_restore alone.</param>
/// <param name="DurationMs">From the agent accepting the restore to the target being reopened (checksum, block, pg_restore, unblock).</param>
/// <param name="OwnerRole">The role made owner of the target and of every object pg_restore created in it (null: left to the agent's role).</param>
public sealed record RestoreCompleted(
    Guid RestoreId,
    string AgentId,
    int Jobs,
    string PgRestoreVersion,
    IReadOnlyList<string> RestoreOptions,
    long RestoreMs,
    long DurationMs,
    DateTimeOffset CompletedAt,
    string? OwnerRole = null) : IAgentReport;

/// <summary>
/// The restore did not happen or did not finish. <see cref="Stage"/> says where (<see cref="RestoreStages"/>);
/// <see cref="TargetTouched"/> is false when the target was left exactly as it was.
/// </summary>
public sealed record RestoreFailed(
    Guid RestoreId,
    string AgentId,
    string Stage,
    string Reason,
    string? StderrTail,
    bool TargetTouched,
    long DurationMs,
    DateTimeOffset FailedAt) : IAgentReport;

/// <summary>The agent read the target for a plan: what is there now and what a restore would lose.</summary>
public sealed record RestorePlanned(
    Guid RestoreId,
    string AgentId,
    RestoreTargetState Target,
    RestoreDataLoss DataLoss,
    bool ArtifactPresent,
    IReadOnlyList<string> Steps,
    DateTimeOffset PlannedAt) : IAgentReport;

/// <summary>Every post-restore check passed (or was skipped, with its reason, or was repaired by a rebuild).</summary>
public sealed record VerificationPassed(
    Guid RestoreId,
    string AgentId,
    IReadOnlyList<VerificationCheck> Checks,
    long DurationMs,
    DateTimeOffset VerifiedAt) : IAgentReport;

/// <summary>At least one post-restore check failed; every check is listed with its result.</summary>
public sealed record VerificationFailed(
    Guid RestoreId,
    string AgentId,
    IReadOnlyList<VerificationCheck> Checks,
    string Reason,
    long DurationMs,
    DateTimeOffset FailedAt) : IAgentReport;

/// <summary>The application was asked to rebuild its projections after the restore (one replay job per tenant).</summary>
/// <param name="HealthyAfter">True when projection health was clean again before the agent's rebuild timeout.</param>
public sealed record ProjectionsRebuilt(
    Guid RestoreId,
    string AgentId,
    string Reason,
    IReadOnlyList<string> Tenants,
    IReadOnlyList<string> JobIds,
    bool HealthyAfter,
    long DurationMs,
    DateTimeOffset RebuiltAt) : IAgentReport;

/// <summary>No rebuild was asked for, and why: not needed, or needed but not possible or not allowed.</summary>
public sealed record ProjectionRebuildSkipped(
    Guid RestoreId,
    string AgentId,
    bool Needed,
    string Reason,
    DateTimeOffset DecidedAt) : IAgentReport;

/// <summary>Told to a drill (<see cref="RestoreRequested.DrillId"/>) when its restore reaches a final state.</summary>
public sealed record RestoreFinished(
    Guid DrillId,
    Guid RestoreId,
    RestoreStatus Status,
    string? Reason,
    long? RestoreDurationMs,
    long? VerificationDurationMs,
    DateTimeOffset FinishedAt);

/// <summary>One post-restore check and its result (<see cref="CheckOutcomes"/>).</summary>
public sealed record VerificationCheck(string Name, string Outcome, string Detail, IReadOnlyList<string> Findings, long DurationMs);

/// <summary>Why an interlock refused (or, for a plan, would refuse) a restore, and the HTTP status it answers with.</summary>
public sealed record RestoreRefusal(string Interlock, string Reason, int Status);
