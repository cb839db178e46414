using System.Collections.Concurrent;
using System.Globalization;

namespace Ledger.Agent.Recovery;

/// <summary>
/// Named phases where a fault test can stop the agent, in the manner of etcd's gofail or FreeBSD's fail(9).
/// Inert unless the environment variable <see cref="ArmedVariable"/> names the phase (a comma-separated list): then
/// <see cref="ReachAsync"/> writes <c>&lt;phase&gt;.reached</c> (holding the process id) into the directory named by
/// <see cref="MarkerDirectoryVariable"/> and blocks, so the test can SIGKILL the agent exactly there; or, for a fault
/// outside the agent (the source server stopped, the bucket gone), change the world and then release the agent by writing
/// <c>&lt;phase&gt;.release</c> beside the marker: the agent goes on from where it stood.
/// Nothing in a configuration file arms a fail point, and an unarmed one costs one dictionary lookup.
/// </summary>
public static class FailPoints
{
    public const string ArmedVariable = "DGLEDGER_FAILPOINTS";
    public const string MarkerDirectoryVariable = "DGLEDGER_FAILPOINT_DIR";
    public const string MarkerSuffix = ".reached";
    public const string ReleaseSuffix = ".release";

    private static readonly HashSet<string> Armed = (Environment.GetEnvironmentVariable(ArmedVariable) ?? "")
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .ToHashSet(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<(string Phase, string Subject), FailPointHold> Holds = new();

    /// <summary>Whether <paramref name="phase"/> is armed in this process.</summary>
    public static bool IsArmed(string phase) => Armed.Contains(phase);

    /// <summary>Whether <paramref name="phase"/> is armed, or held for <paramref name="subject"/> (<see cref="Hold"/>).</summary>
    public static bool IsArmed(string phase, string subject) => Armed.Contains(phase) || Holds.ContainsKey((phase, subject));

    /// <summary>
    /// For tests that run agents in their own process: the next operation on <paramref name="subject"/> (e.g. a target
    /// database) that reaches <paramref name="phase"/> waits there until the hold is released (or disposed), instead of
    /// blocking for good. Only code in this process can set one; nothing in a configuration does.
    /// </summary>
    public static FailPointHold Hold(string phase, string subject)
    {
        var hold = new FailPointHold(() => Holds.TryRemove((phase, subject), out _));
        if (!Holds.TryAdd((phase, subject), hold))
        {
            throw new InvalidOperationException($"{phase} is already held for {subject}");
        }

        return hold;
    }

    /// <summary>As <see cref="ReachAsync(string)"/>, and waits while a <see cref="Hold"/> for <paramref name="subject"/> lasts.</summary>
    public static async Task ReachAsync(string phase, string subject)
    {
        if (Holds.TryGetValue((phase, subject), out var hold))
        {
            await hold.ReachAsync().ConfigureAwait(false);
        }

        await ReachAsync(phase).ConfigureAwait(false);
    }

    /// <summary>Returns at once unless <paramref name="phase"/> is armed; then marks it reached and returns only once released.</summary>
    public static async Task ReachAsync(string phase)
    {
        if (!Armed.Contains(phase))
        {
            return;
        }

        var release = Mark(phase);
        while (!File.Exists(release))
        {
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>The blocking form, for code that cannot await (a stream's synchronous write).</summary>
    public static void Reach(string phase)
    {
        if (!Armed.Contains(phase))
        {
            return;
        }

        var release = Mark(phase);
        while (!File.Exists(release))
        {
            Thread.Sleep(50);
        }
    }

    /// <summary>Writes the phase's marker; returns the release file whose appearance lets the agent go on.</summary>
    private static string Mark(string phase)
    {
        var directory = Environment.GetEnvironmentVariable(MarkerDirectoryVariable) ?? Path.GetTempPath();
        var marker = Path.Combine(directory, phase + MarkerSuffix);
        var partial = marker + ".tmp";
        File.WriteAllText(partial, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        File.Move(partial, marker, overwrite: true);
        return Path.Combine(directory, phase + ReleaseSuffix);
    }
}
