using Ledger.Cli.Common;
using Ledger.Contracts.Agents;

namespace Ledger.Cli.Agents;

/// <summary>How agents read for people.</summary>
internal static class AgentViews
{
    public static TextTable Table(IEnumerable<AgentStatus> agents, DateTimeOffset now)
    {
        var table = new TextTable(
            new Column("ID"),
            new Column("HOSTNAME"),
            new Column("VERSION"),
            new Column("DATABASES"),
            new Column("LAST SEEN (UTC)"),
            new Column("AGE", Align.Right));
        foreach (var a in agents.OrderBy(a => a.Id, StringComparer.Ordinal))
        {
            table.AddRow(
                a.Id,
                a.Hostname,
                a.Version.Split('+')[0], // build metadata (a commit) is in --json
                a.Databases.Count == 0 ? Humanize.None : string.Join(", ", a.Databases.Select(d => $"{d.Environment}/{d.Name} ({d.Role})")),
                Humanize.Utc(a.LastHeartbeat),
                Humanize.Age(now - a.LastHeartbeat));
        }

        return table;
    }
}
