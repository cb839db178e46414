using System.Collections.Concurrent;
using System.Text;

namespace Ledger.FaultTests;

/// <summary>
/// The suite's figures, counted across its tests and printed by each one (the closing note cites them): injections,
/// phases hit, and what must stay at zero (lost events, stuck operations, targets left closed, leftovers, orphaned
/// processes and sessions, events appended twice, false verified).
/// </summary>
public static class FaultFigures
{
    private static int _injections, _lostEvents, _stuck, _targetsLeftClosed, _leftovers, _orphans, _duplicates, _falseVerified;
    private static readonly ConcurrentDictionary<string, int> PhasesHit = new();
    private static readonly ConcurrentDictionary<string, int> EnvironmentalHit = new();

    public static void Injected(string phase)
    {
        Interlocked.Increment(ref _injections);
        PhasesHit.AddOrUpdate(phase, 1, (_, n) => n + 1);
    }

    /// <summary>
    /// A fault of the agent's environment rather than of the agent (the source server stopped, a full filesystem, the
    /// ledger's database or a bucket gone): an injection, listed apart from the agent's phases in the summary.
    /// </summary>
    public static void Environmental(string fault)
    {
        Interlocked.Increment(ref _injections);
        EnvironmentalHit.AddOrUpdate(fault, 1, (_, n) => n + 1);
    }

    public static void LostEvent() => Interlocked.Increment(ref _lostEvents);
    public static void Stuck() => Interlocked.Increment(ref _stuck);
    public static void TargetLeftClosed() => Interlocked.Increment(ref _targetsLeftClosed);
    public static void Leftovers(int n) => Interlocked.Add(ref _leftovers, n);
    public static void Orphans(int n) => Interlocked.Add(ref _orphans, n);
    public static void Duplicates(int n) => Interlocked.Add(ref _duplicates, n);
    public static void FalseVerified() => Interlocked.Increment(ref _falseVerified);

    public static string Summary()
    {
        var text = new StringBuilder();
        text.Append("fault suite: injections=").Append(_injections)
            .Append(" phases=").Append(PhasesHit.Count).Append(" (").Append(string.Join(", ", PhasesHit.OrderBy(p => p.Key).Select(p => $"{p.Key}:{p.Value}"))).Append(')')
            .Append(" environmental=").Append(EnvironmentalHit.Values.Sum())
            .Append(" (").Append(string.Join(", ", EnvironmentalHit.OrderBy(p => p.Key).Select(p => $"{p.Key}:{p.Value}"))).Append(')')
            .Append(" lost-events=").Append(_lostEvents)
            .Append(" stuck-operations=").Append(_stuck)
            .Append(" targets-left-closed=").Append(_targetsLeftClosed)
            .Append(" leftovers=").Append(_leftovers)
            .Append(" orphans=").Append(_orphans)
            .Append(" appended-twice=").Append(_duplicates)
            .Append(" false-verified=").Append(_falseVerified);
        return text.ToString();
    }

    /// <summary>Writes the summary beside the test assembly too (bin/.../fault-figures.txt), for the closing note.</summary>
    public static string Record()
    {
        var summary = Summary();
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "fault-figures.txt"), summary + Environment.NewLine);
        return summary;
    }
}
