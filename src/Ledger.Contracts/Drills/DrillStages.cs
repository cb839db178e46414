namespace Ledger.Contracts.Drills;

public static class DrillStages
{
    public const string Refused = "refused";
    public const string NoBackup = "no-backup";
    public const string Restore = "restore";
    /// <summary>A scheduled occurrence not started by its deadline.</summary>
    public const string Missed = "missed";
}
