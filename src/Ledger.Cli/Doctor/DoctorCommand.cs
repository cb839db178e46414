using Cocona;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Ledger.Contracts.Doctor;
using Refit;

namespace Ledger.Cli.Doctor;

/// <summary>
/// <c>dgledger doctor</c>: is everything in place for backups and restores to work? The ledger (reachable, its database),
/// each agent (heartbeat, clock), and through the agents each managed database (reachable, versions, rights, repository,
/// schedule, DecisionGraph). Every check has a verdict and, when not ok, the fix in one sentence. Exit 0 when no check
/// fails (warnings allowed), 12 when any does.
/// </summary>
internal sealed class DoctorCommand(CliRuntime cli, LedgerCaller ledger)
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    [Command("doctor", Description = "check the ledger, the agents and every managed database: 0 all well, 12 a check failed")]
    public Task<int> RunAsync(
        ConnectionOptions connection,
        [Option("env", ValueName = "ENV", Description = "only this environment")] string? env = null,
        [Option("wait", ValueName = "DURATION", Description = "how long to wait for the agents' reports (default 30s)")] string? wait = null,
        [Option("json", Description = "print {healthy, checks} as JSON on stdout")] bool json = false)
    {
        var waitFor = wait is null ? DefaultWait : TimeInput.ParseDurationOption("--wait", wait);
        return ledger.RunAsync(connection, async (client, endpoint) =>
        {
            var checks = new List<DoctorCheck>();
            if (await LedgerReachableAsync(client, endpoint.DisplayUrl) is { } unreachable)
            {
                checks.Add(unreachable);
                return Report(checks, json);
            }

            checks.Add(DoctorCheck.Ok("ledger", "reachable", $"{endpoint.DisplayUrl} answers and reaches its database"));
            var run = await client.StartDoctorAsync(new RequestDoctor(string.IsNullOrWhiteSpace(env) ? null : env.Trim()), cli.Cancellation);
            var deadline = cli.Time.GetUtcNow() + waitFor;
            while (!run.Complete && cli.Time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cli.Time, cli.Cancellation);
                run = await client.GetDoctorAsync(run.Id, cli.Cancellation);
            }

            checks.AddRange(run.LedgerChecks);
            foreach (var environment in run.Environments)
            {
                var answer = run.Answers.FirstOrDefault(a => a.Environment == environment);
                checks.AddRange(answer?.Checks ?? [DoctorCheck.Fail(environment, "agent report",
                    $"no agent answered within {TimeInput.FormatDuration(waitFor)}",
                    "Check the agents' logs; a busy agent (a long backup) answers later: retry with a longer --wait.")]);
            }

            return Report(checks, json);
        });
    }

    private static async Task<DoctorCheck?> LedgerReachableAsync(Ledger.Client.ILedgerClient client, string url)
    {
        try
        {
            await client.GetHealthAsync();
            return null;
        }
        catch (ApiException e) when ((int)e.StatusCode == 503)
        {
            return DoctorCheck.Fail("ledger", "database", $"{url} answers but cannot reach its database",
                "Check the ledger's ConnectionStrings:Ledger and that its PostgreSQL is up.");
        }
        catch (HttpRequestException e)
        {
            return DoctorCheck.Fail("ledger", "reachable", $"{url} does not answer: {e.Message}",
                "Check --url / DGLEDGER_URL and that the ledger is running.");
        }
    }

    private int Report(IReadOnlyList<DoctorCheck> checks, bool json)
    {
        var healthy = checks.All(c => c.Verdict != DoctorVerdicts.Fail);
        if (json)
        {
            cli.WriteJson(new DoctorReport(healthy, checks));
        }
        else
        {
            var table = new TextTable(new Column("SCOPE"), new Column("CHECK"), new Column("VERDICT"), new Column("DETAIL"), new Column("FIX"));
            foreach (var c in checks)
            {
                table.AddRow(c.Scope, c.Name, c.Verdict, c.Detail, c.Fix ?? "");
            }

            table.WriteTo(cli.Out);
            var failed = checks.Count(c => c.Verdict == DoctorVerdicts.Fail);
            cli.Out.WriteLine(healthy ? $"all well ({checks.Count} checks)" : $"{failed} of {checks.Count} checks failed");
        }

        return healthy ? ExitCodes.Ok : ExitCodes.DoctorFailed;
    }
}
