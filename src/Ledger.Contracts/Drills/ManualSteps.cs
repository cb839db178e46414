namespace Ledger.Contracts.Drills;

public static class ManualSteps
{
    /// <summary>What a drill records when it needed no manual step: the runbook wants that said.</summary>
    public const string None = "none";

    public static IReadOnlyList<string> Recorded(IEnumerable<string>? steps)
    {
        var list = (steps ?? []).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
        return list.Count == 0 ? [None] : list;
    }

    /// <summary>How many real manual steps a recorded list holds ("none" counts zero).</summary>
    public static int Count(IReadOnlyList<string> recorded) => recorded.Count(s => s != None);
}
