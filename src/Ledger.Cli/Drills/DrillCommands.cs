using Cocona;
using Cocona.Builder;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Ledger.Contracts.Drills;

namespace Ledger.Cli.Drills;

/// <summary><c>dgledger drills list</c>: restore drills, newest first.</summary>
internal sealed class DrillCommands(CliRuntime cli, LedgerCaller ledger)
{
    /// <summary>Registers <c>dgledger drills ...</c> and <c>dgledger report ...</c> (the drill compliance report).</summary>
    public static void Register(ICoconaCommandsBuilder app)
    {
        app.AddSubCommand("drills", drills => drills.AddCommands<DrillCommands>())
            .WithDescription("restore drills: list what was rehearsed and what it achieved");
        app.AddSubCommand("report", report => report.AddCommands<Reports.ReportCommands>())
            .WithDescription("compliance reports for auditors and pipelines");
    }

    [Command("list", Description = "list restore drills, newest first")]
    public Task<int> ListAsync(
        ConnectionOptions connection,
        [Option("env", ValueName = "ENV", Description = "only this environment")] string? env = null,
        [Option("json", Description = "print the ledger's JSON (a list of drills) and nothing else on stdout")] bool json = false)
    {
        var environment = string.IsNullOrWhiteSpace(env) ? null : Backups.BackupInput.Environment(env);
        return ledger.RunAsync(connection, async (client, _) =>
        {
            var drills = await client.ListDrillsAsync(environment, cli.Cancellation);
            if (json)
            {
                cli.WriteJson(drills);
                return ExitCodes.Ok;
            }

            if (drills.Count == 0)
            {
                cli.Out.WriteLine("no drills");
                return ExitCodes.Ok;
            }

            Table(drills, cli.Time.GetUtcNow()).WriteTo(cli.Out);
            return ExitCodes.Ok;
        });
    }

    public static TextTable Table(IReadOnlyList<DrillView> drills, DateTimeOffset now)
    {
        var table = new TextTable(new Column("DRILL"), new Column("ENV"), new Column("DB"), new Column("TARGET"), new Column("STARTED"),
            new Column("STATUS"), new Column("RTO", Align.Right), new Column("RPO", Align.Right), new Column("BACKUP"),
            new Column("MANUAL STEPS"), new Column("NOTE"));
        foreach (var d in drills)
        {
            table.AddRow(Humanize.ShortId(d.Id), d.Environment, d.Database, d.TargetDatabase,
                $"{Humanize.Utc(d.StartedAt)} ({Humanize.Age(now - d.StartedAt)} ago)", d.Status, Humanize.Duration(d.RtoMs),
                d.RpoSeconds is { } rpo ? Humanize.Age(TimeSpan.FromSeconds(rpo)) : null,
                d.BackupId is { } b ? Humanize.ShortId(b) : null, string.Join("; ", d.ManualSteps),
                d.FailureReason ?? d.TargetOutcome);
        }

        return table;
    }
}
