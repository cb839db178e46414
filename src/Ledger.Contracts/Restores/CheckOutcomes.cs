namespace Ledger.Contracts.Restores;

public static class CheckOutcomes
{
    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
    /// <summary>A problem the projection rebuild then fixed.</summary>
    public const string Repaired = "repaired";
}
