using Ledger.Contracts.Common;
using Cocona;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Ledger.Contracts.Retention;

namespace Ledger.Cli.Backups;

/// <summary><c>dgledger backups prune</c>: apply the retention policy, or with --dry-run show exactly what it would do.</summary>
internal sealed class PruneBackupsCommand(CliRuntime cli, LedgerCaller ledger)
{
    [Command("prune", Description = "delete expired backups under the retention policy; --dry-run lists what would go and why the rest stays")]
    public Task<int> PruneAsync(
        ConnectionOptions connection,
        [Option("dry-run", Description = "change nothing; list what a real run would delete and keep")] bool dryRun = false,
        [Option("env", ValueName = "ENV", Description = "only this environment")] string? env = null,
        [Option("json", Description = "print the plan as JSON on stdout")] bool json = false) =>
        ledger.RunAsync(connection, async (client, _) =>
        {
            var plan = await client.PruneAsync(new PruneRequest(dryRun, env is null ? null : BackupInput.Environment(env)), cli.Cancellation);
            if (json)
            {
                cli.WriteJson(plan);
                return ExitCodes.Ok;
            }

            var table = new TextTable(new Column("ACTION"), new Column("ID"), new Column("ENV"), new Column("DB"), new Column("TRIGGER"),
                new Column("STATUS"), new Column("TAKEN (UTC)"), new Column("SIZE", Align.Right), new Column("RULE"));
            foreach (var d in plan.Delete.Concat(plan.Keep))
            {
                table.AddRow(d.Delete ? (dryRun ? "would delete" : "delete") : "keep", d.BackupId.ToString(), d.Environment,
                    d.Database, d.Trigger, d.Status.ToWire(), Humanize.Utc(d.Timestamp), Humanize.Size(d.SizeBytes), d.Rule);
            }

            table.WriteTo(cli.Out);
            cli.Out.WriteLine($"{plan.Delete.Count} to delete ({Humanize.Size(plan.BytesToFree)}), {plan.Keep.Count} kept{(dryRun ? " (dry run: nothing changed)" : "")}");
            return ExitCodes.Ok;
        });
}
