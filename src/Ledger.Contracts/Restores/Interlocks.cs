namespace Ledger.Contracts.Restores;

/// <summary>The interlocks, as named in <see cref="RestoreRefused.Interlock"/>.</summary>
public static class Interlocks
{
    public const string Confirmation = "confirmation";
    public const string PrimaryTarget = "primary-target";
    public const string OperatorRole = "operator-role";
    public const string BackupNotRestorable = "backup-not-restorable";
    public const string RestoreInProgress = "restore-in-progress";
    /// <summary>No agent serving the target's environment is alive: nothing would run the restore (503).</summary>
    public const string AgentUnavailable = "agent-unavailable";
    /// <summary>The target is a database managed in another environment: it is restored only through its own (400).</summary>
    public const string ManagedElsewhere = "managed-elsewhere";
}
