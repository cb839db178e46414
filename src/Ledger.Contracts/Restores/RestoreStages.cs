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
    public const string Plan = "plan";
    /// <summary>Recorded by the ledger: the agent doing the restore went silent past the operation lease.</summary>
    public const string Abandoned = "abandoned";
}
