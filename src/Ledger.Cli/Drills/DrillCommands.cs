using Ledger.Contracts.Common;
using Ledger.Client;
using Cocona;
using Cocona.Builder;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Ledger.Contracts.Drills;

namespace Ledger.Cli.Drills;

/// <summary><c>dgledger drills run|list</c>: restore drills and what they achieved.</summary>
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

    [Command("run", Description = "restore the newest verified backup into a non-primary drill target, verify, record RTO/RPO: 0 passed, 9 refused, 10 failed")]
    public Task<int> RunAsync(
        ConnectionOptions connection,
        [Option("env", ValueName = "ENV")] string env,
        [Option("db", ValueName = "DB")] string db,
        [Option("target-db", ValueName = "NAME", Description = "the drill target (default <db>_drill); never a primary")] string? targetDb = null,
        [Option("manual-step", ValueName = "TEXT", Description = "a manual step the drill needed (repeat); none is recorded as \"none\"")] string[]? manualStep = null,
        [Option("keep", Description = "keep the drill target afterwards")] bool keep = false,
        [Option("timeout", ValueName = "DURATION", Description = "how long to wait for the drill (default 1h)")] string? timeout = null,
        [Option("json", Description = "print the finished drill as JSON on stdout")] bool json = false)
    {
        var request = new RequestDrill(Backups.BackupInput.Environment(env), Backups.BackupInput.Database(db),
            string.IsNullOrWhiteSpace(targetDb) ? null : targetDb.Trim(), manualStep ?? [], keep);
        var waitFor = timeout is null ? TimeSpan.FromHours(1) : TimeInput.ParseDurationOption("--timeout", timeout);
        return ledger.RunAsync(connection, async (client, _) =>
        {
            DrillAccepted accepted;
            try
            {
                accepted = await client.RunDrillAsync(request, cli.Cancellation);
            }
            catch (Refit.ApiException refused) when (refused.Content is { } body && body.Contains("\"drillId\"", StringComparison.Ordinal))
            {
                // A drill the ledger refused (primary target, no verified backup, restore interlock) is on record.
                var problem = ApiErrors.ParseProblem(body);
                new CliError(ExitCodes.RestoreRefused, "drill refused: " + (problem?.Detail ?? "no details")).WriteTo(cli.Error);
                return ExitCodes.RestoreRefused;
            }

            cli.Error.WriteLine($"drill {accepted.DrillId}: restoring backup {accepted.BackupId} into {accepted.TargetDatabase} (restore {accepted.RestoreId})");
            // Done when the drill has its verdict and its target's fate is known (dropped, kept, or why not dropped).
            var polled = await StatusPoller.WaitAsync(
                ct => client.GetDrillAsync(accepted.DrillId, ct),
                d => d.Status.IsFinal() && !DrillTargets.IsPending(d.TargetOutcome),
                d => d.Status.ToWire(),
                changed: null,
                waitFor, cli.Time, cli.Cancellation);
            if (polled.TimedOut || polled.Last is not { } drill)
            {
                new CliError(ExitCodes.TimedOut, $"timed out after {TimeInput.FormatDuration(waitFor)} waiting for drill {accepted.DrillId}",
                    "the drill goes on; follow it with 'dgledger drills list'").WriteTo(cli.Error);
                return ExitCodes.TimedOut;
            }

            if (json)
            {
                cli.WriteJson(drill);
            }
            else
            {
                Table([drill], cli.Time.GetUtcNow()).WriteTo(cli.Out);
                foreach (var check in drill.Checks)
                {
                    cli.Out.WriteLine($"  {check.Name}: {check.Outcome}: {check.Detail}");
                }
            }

            return drill.Status == DrillStatus.Passed ? ExitCodes.Ok : ExitCodes.RestoreFailed;
        });
    }

    public static TextTable Table(IReadOnlyList<DrillView> drills, DateTimeOffset now)
    {
        var table = new TextTable(new Column("DRILL"), new Column("ENV"), new Column("DB"), new Column("TARGET"), new Column("STARTED"),
            new Column("STATUS"), new Column("RTO", Align.Right), new Column("RPO", Align.Right), new Column("BACKUP"),
            new Column("MANUAL STEPS"), new Column("TARGET AFTER"), new Column("NOTE"));
        foreach (var d in drills)
        {
            table.AddRow(d.Id.ToString(), d.Environment, d.Database, d.TargetDatabase,
                $"{Humanize.Utc(d.StartedAt)} ({Humanize.Age(now - d.StartedAt)} ago)", d.Status.ToWire(), Humanize.Duration(d.RtoMs),
                d.RpoSeconds is { } rpo ? Humanize.Age(TimeSpan.FromSeconds(rpo)) : null,
                d.BackupId?.ToString(), string.Join("; ", d.ManualSteps),
                d.TargetOutcome, d.FailureReason);
        }

        return table;
    }
}
