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

/// <summary>Where a backup stands, derived from its events.</summary>
public static class BackupStatuses
{
    public const string Requested = "requested";
    public const string Running = "running";
    public const string Taken = "taken";
    public const string Verified = "verified";
    public const string Failed = "failed";
    public const string VerificationFailed = "verification-failed";
    public const string Missed = "missed";
    public const string Expired = "expired";

    public static readonly IReadOnlyList<string> All = [Requested, Running, Taken, Verified, Failed, VerificationFailed, Missed, Expired];

    /// <summary>True once nothing more will happen to the backup.</summary>
    public static bool IsFinal(string status) => status is Verified or Failed or VerificationFailed or Expired;
}
