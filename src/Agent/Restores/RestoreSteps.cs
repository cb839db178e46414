using Ledger.Contracts.Restores;

namespace Ledger.Agent.Restores;

// Agent-internal steps of a restore (durable local queue). Each carries what the next one needs, so a restarted agent
// picks up where it stopped: a target that was closed is reopened with the settings recorded when it was closed.

/// <summary>Check the artifact, create the target if needed, close it.</summary>
public sealed record PrepareRestore(RestoreBackup Request, DateTimeOffset StartedAt);

/// <summary>
/// Run pg_restore into the closed target, then reopen it as it was. <see cref="ArtifactFile"/> is the local file to read
/// (a download in the work directory, removed when the step ends; null: the recorded path, for steps queued before).
/// <see cref="OwnerRole"/> is the role the target and its restored objects are given to after pg_restore (null: none).
/// </summary>
public sealed record RunPgRestore(RestoreBackup Request, DateTimeOffset StartedAt, WritesBlocked Blocked, VerificationCheck? StopStep = null,
    string? ArtifactFile = null, bool Downloaded = false, string? OwnerRole = null);

/// <summary>Verify the restored target and decide about projections.</summary>
public sealed record VerifyRestore(RestoreBackup Request, RestoreCompleted Completed, VerificationCheck? StopStep = null);
