namespace Ledger.Contracts.Drills;

/// <summary>
/// Body of <c>POST /api/v1/drills</c>: restore the newest verified backup of <see cref="Environment"/>/<see cref="Database"/>
/// into a non-primary drill target (default <c>&lt;db&gt;_drill</c>) of <see cref="TargetEnvironment"/> (default the
/// same environment; e.g. production's backup drilled in staging, through staging's agent), and verify it.
/// </summary>
public sealed record RequestDrill(
    string Environment,
    string Database,
    string? TargetDatabase = null,
    IReadOnlyList<string>? ManualSteps = null,
    bool Keep = false,
    string? TargetEnvironment = null);

/// <summary>Answer to an accepted drill request: where to follow it.</summary>
public sealed record DrillAccepted(Guid DrillId, Guid RestoreId, Guid BackupId, string TargetDatabase, string Location,
    string? TargetEnvironment = null);

/// <summary>
/// Sent by the ledger to the queue of the drill target's environment once the drill's restore has ended: drop the drill
/// target. The agent drops only a database it does not manage, on the server of <see cref="RestoreTarget.HostDatabase"/>.
/// </summary>
public sealed record DropDrillTarget(Guid DrillId, Restores.RestoreTarget Target, DateTimeOffset RequestedAt, Guid? RestoreId = null) : Security.IAgentCommand
{
    Guid Security.IAgentCommand.OperationId => DrillId;
}
