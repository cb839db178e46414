namespace Ledger.Contracts.Drills;

public static class DrillTargets
{
    public static string DefaultFor(string database) => database + "_drill";
}
