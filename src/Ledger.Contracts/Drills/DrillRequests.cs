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

    /// <summary>What a drill records about its target when it is not dropped.</summary>
    public const string KeptOnRequest = "target kept (--keep)";
    public const string DropNotImplemented = "target kept: drop not implemented";
}
