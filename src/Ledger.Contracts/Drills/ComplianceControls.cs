namespace Ledger.Contracts.Drills;

/// <summary>The names of the report's controls.</summary>
public static class ComplianceControls
{
    public const string DrillCadence = "drill-cadence";
    public const string PassRate = "pass-rate";
    public const string Rto = "rto";
    public const string DailyBackup = "daily-backup";
    public const string PreUpgradeBackup = "pre-upgrade-backup";
}
