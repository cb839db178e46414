namespace Ledger.Contracts.Restores;

/// <summary>Where a restore failed (<see cref="RestoreFailed.Stage"/>).</summary>
public static class RestoreStages
{
    public const string Accept = "accept";
    public const string Checksum = "checksum";
    public const string Preflight = "preflight";
    public const string Block = "block";
    public const string PgRestore = "pg_restore";
    public const string Unblock = "unblock";
    /// <summary>Giving the target and its restored objects to the application's role (OwnerRole) failed; the target was reopened.</summary>
    public const string Ownership = "ownership";
    public const string Plan = "plan";
    /// <summary>Recorded by the ledger: the agent doing the restore went silent past the operation lease.</summary>
    public const string Abandoned = "abandoned";
}
