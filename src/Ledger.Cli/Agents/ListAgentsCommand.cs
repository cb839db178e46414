using Cocona;
using Ledger.Cli.Client;
using Ledger.Cli.Common;

namespace Ledger.Cli.Agents;

/// <summary><c>dgledger agents list</c>: who takes backups, for which databases, and when they were last heard from.</summary>
internal sealed class ListAgentsCommand(CliRuntime cli, LedgerCaller ledger)
{
    [Command("list", Description = "list the agents the ledger has heard from")]
    public Task<int> ListAsync(
        ConnectionOptions connection,
        [Option("json", Description = "print the ledger's JSON (a list of agent statuses) and nothing else on stdout")] bool json = false) =>
        ledger.RunAsync(connection, async (client, _) =>
        {
            var agents = await client.ListAgentsAsync(cli.Cancellation);
            if (json)
            {
                cli.WriteJson(agents);
            }
            else if (agents.Count == 0)
            {
                cli.Out.WriteLine("no agents have reported yet");
            }
            else
            {
                AgentViews.Table(agents, cli.Time.GetUtcNow()).WriteTo(cli.Out);
            }

            return ExitCodes.Ok;
        });
}
