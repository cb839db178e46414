namespace Ledger.Contracts.Drills;

/// <summary>
/// Body of <c>POST /api/v1/drills</c>: restore the newest verified backup of <see cref="Database"/> into a non-primary
/// drill target (default <c>&lt;db&gt;_drill</c>) of the same environment, and verify it.
/// </summary>
public sealed record RequestDrill(
    string Environment,
    string Database,
    string? TargetDatabase = null,
    IReadOnlyList<string>? ManualSteps = null,
    bool Keep = false);

/// <summary>Answer to an accepted drill request: where to follow it.</summary>
public sealed record DrillAccepted(Guid DrillId, Guid RestoreId, Guid BackupId, string TargetDatabase, string Location);

public static class DrillTargets
{
    public static string DefaultFor(string database) => database + "_drill";

    // What a drill records about its target (DrillView.TargetOutcome). A drill target is scratch: it is dropped after
    // the drill unless the operator asked to keep it, or it is a database an agent manages (never dropped by a drill),
    // or the restore never touched it.

    /// <summary>The operator asked to keep it (<c>--keep</c>).</summary>
    public const string KeptOnRequest = "kept (--keep)";

    /// <summary>The ledger asked the agent to drop it and waits for the answer.</summary>
    public const string Dropping = "dropping";

    public const string Dropped = "dropped";

    /// <summary>A database an agent manages (its own backups, possibly an application): a drill never drops it.</summary>
    public static string KeptManaged(string environment, string database) =>
        $"kept: {environment}/{database} is a managed database, which a drill never drops";

    public const string Untouched = "untouched: the restore stopped before it changed the target";

    public static string DropFailed(string reason) => "drop failed: " + reason;

    /// <summary>True while the drop has been asked for and not answered.</summary>
    public static bool IsPending(string? outcome) => outcome == Dropping;
}

/// <summary>
/// Sent by the ledger to the queue of the drill target's environment once the drill's restore has ended: drop the drill
/// target. The agent drops only a database it does not manage, on the server of <see cref="RestoreTarget.HostDatabase"/>.
/// </summary>
public sealed record DropDrillTarget(Guid DrillId, Restores.RestoreTarget Target, DateTimeOffset RequestedAt) : Security.IAgentCommand
{
    Guid Security.IAgentCommand.OperationId => DrillId;
}
