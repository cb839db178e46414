namespace Ledger.Contracts.Gates;

public static class GateIds
{
    /// <summary>The gate's stream id (<see cref="Common.DeterministicIds.Gate"/>), so that concurrent requests meet on one stream.</summary>
    public static Guid For(string environment, string database, string targetRelease) =>
        Common.DeterministicIds.Gate(environment, database, targetRelease);
}
