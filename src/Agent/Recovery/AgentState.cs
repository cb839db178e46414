using Ledger.Agent.Backups;

namespace Ledger.Agent.Recovery;

/// <summary>
/// The agent's own directory (<c>Agent:StateDirectory</c>, default <c>&lt;Repository&gt;/.dgledger-agent/&lt;Id&gt;</c>,
/// mode 0700): the journal of its work and <c>run/</c>, where the passfiles of running pg_dump and pg_restore
/// processes live. Nothing else writes there, so the sweep at start is exact: every passfile in <c>run/</c> belongs to
/// a process of an earlier incarnation and is deleted.
/// </summary>
public sealed class AgentState
{
    public AgentState(AgentOptions options)
    {
        Directory = options.StateDirectory is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(options.Repository, ".dgledger-agent", options.Id);
        PassfileDirectory = Path.Combine(Directory, "run");
        // A configured directory is made (and tightened) itself only: its parent may be /tmp or /var/lib, which are not
        // the agent's to chmod. The default one's parent, <Repository>/.dgledger-agent, is the agent's own.
        Artifacts.EnsureDirectory(options.StateDirectory is { Length: > 0 } ? Directory : Path.GetDirectoryName(Directory)!, Directory);
        Artifacts.EnsureDirectory(Directory, PassfileDirectory);
    }

    public string Directory { get; }

    /// <summary>Where passfiles are written (0600 files in a 0700 directory).</summary>
    public string PassfileDirectory { get; }

    /// <summary>Deletes every file in <see cref="PassfileDirectory"/>; returns how many there were.</summary>
    public int SweepPassfiles()
    {
        var removed = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(PassfileDirectory))
        {
            Artifacts.DeleteQuietly(file);
            removed++;
        }

        return removed;
    }
}
