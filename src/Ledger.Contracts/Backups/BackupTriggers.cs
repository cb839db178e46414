namespace Ledger.Contracts.Backups;

/// <summary>Why a backup was taken, as the runbook names it.</summary>
public static class BackupTriggers
{
    public const string Scheduled = "scheduled";
    public const string Manual = "manual";
    public const string PreUpgrade = "pre-upgrade";

    public static readonly IReadOnlyList<string> All = [Scheduled, Manual, PreUpgrade];

    public static bool IsValid(string? trigger) => trigger is not null && All.Contains(trigger);
}
