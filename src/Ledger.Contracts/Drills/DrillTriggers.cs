namespace Ledger.Contracts.Drills;

/// <summary>Who started a drill: a person or pipeline (<c>manual</c>), or the ledger's drill schedule (<c>scheduled</c>).</summary>
public static class DrillTriggers
{
    public const string Manual = "manual";
    public const string Scheduled = "scheduled";
}
