using System.Diagnostics;
using DgLedger.Bench.Infrastructure;
using DgLedger.Bench.Reporting;

namespace DgLedger.Bench.Measurements;

/// <summary>
/// Measurement 7: with the synthetic ledger state loaded, how fast does the ledger answer the questions a pipeline
/// asks on every run? <c>fresh-backup</c> and <c>backups list</c> over HTTP (p50/p99 of sequential requests on a
/// kept-alive connection, after a warm-up), and <c>dgledger gate check</c> as a pipeline runs it (a new process each
/// time, start to exit, default maximum age 1 h).
/// </summary>
public static class LedgerQueries
{
    private const int MinRequests = 20;

    /// <summary>
    /// Enough requests for the freshly started ledger's JIT to reach steady state (tiered compilation promotes a method
    /// after 30 calls, in the background, once no new method has been compiled for 100 ms). With 50, the first endpoint
    /// measured carried the ledger's own warm-up in its tail: slow requests among the first few dozen measured.
    /// </summary>
    private const int WarmUpRequests = 250;
    private static readonly TimeSpan WarmUpBudget = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(45);

    public static async Task RunAsync(BenchContext ctx, ServiceProcesses services, LedgerState.Loaded loaded)
    {
        var results = ctx.Results;
        var (env, db) = LedgerState.Probe;
        var httpRequests = ctx.Options.Smoke ? 20 : 1000;
        var cliRuns = ctx.Options.Smoke ? 2 : 20;
        var state = $"{loaded.Backups:N0} backups, {loaded.Events:N0} events";

        var http = services.Client.Http;
        var fresh = await HttpAsync(ctx, http, $"/api/v1/gates/fresh-backup?env={env}&db={db}&release={LedgerState.CurrentRelease}",
            httpRequests, expectFresh: true);
        var notFresh = await HttpAsync(ctx, http, $"/api/v1/gates/fresh-backup?env={env}&db={db}&release=r-never-deployed",
            httpRequests, expectFresh: false);
        var list = await HttpAsync(ctx, http, "/api/v1/backups?page=1&pageSize=50", httpRequests, expectFresh: null);
        var listFiltered = await HttpAsync(ctx, http, $"/api/v1/backups?environment={env}&database={db}&page=1&pageSize=50", httpRequests, expectFresh: null);
        var cli = await CliAsync(ctx, services, env, db, cliRuns);

        results.Figure("ledger.fresh.p50.ms", fresh.P50);
        results.Figure("ledger.fresh.p99.ms", fresh.P99);
        results.Figure("ledger.notfresh.p99.ms", notFresh.P99);
        results.Figure("ledger.list.p99.ms", list.P99);
        results.Figure("ledger.list_filtered.p99.ms", listFiltered.P99);
        results.Figure("ledger.cli.median.ms", cli.Median);
        results.Figure("ledger.cli.p99.ms", cli.P99);

        const string freshPlan =
            "The query is one probe of the composite index (environment, database, trigger, status, timestamp) (the scenario "
            + "test when_the_ledger_answers_its_frequent_queries checks the plan). A tail above target with a low median is the "
            + "machine's load (see the setup line) more than the query.";
        results.Add(new Row("7a", $"`fresh-backup` over HTTP, a fresh backup exists ({state}; default max age 1 h)", Latency(fresh), "–", "–",
            "p99 < 10 ms", fresh.P99 < 10 ? Verdict.Met : Verdict.Missed, fresh.P99 < 10 ? null : freshPlan));
        results.Add(new Row("7b", "`fresh-backup` over HTTP, none at that release", Latency(notFresh), "–", "–",
            "p99 < 10 ms", notFresh.P99 < 10 ? Verdict.Met : Verdict.Missed, notFresh.P99 < 10 || fresh.P99 >= 10 ? null : freshPlan));
        results.Add(new Row("7c", "`dgledger gate check` end to end (new process each time; the published CLI)",
            $"median {Format.Ms(cli.Median)}, p99 {Format.Ms(cli.P99)} ({cli.Count} runs)", "–", "–",
            "median < 500 ms", cli.Median < 500 ? Verdict.Met : Verdict.Missed,
            cli.P99 >= 500 && cli.Median < 500 ? $"the slowest CLI run took {Format.Ms(cli.Max)}: process start on a busy 2-core machine." : null));
        results.Add(new Row("7d", "`backups list`, first page of 50, no filter", Latency(list), "–", "–",
            "p99 < 20 ms", list.P99 < 20 ? Verdict.Met : Verdict.Missed, list.P99 < 20 ? null
                : "The first page is read backwards from the index on (timestamp, id) and stops after 51 rows (no exact total unless "
                  + "`total=true`; the scenario test when_the_ledger_answers_its_frequent_queries checks the plan). A tail above target "
                  + "with a low median is the machine's load (see the setup line) more than the query."));
        results.Add(new Row("7e", "`backups list`, first page, one environment and database", Latency(listFiltered), "–", "–",
            "(p99 < 20 ms)", Verdict.Info));
    }

    private static string Latency(Samples s) => $"p50 {Format.Ms(s.P50)}, p99 {Format.Ms(s.P99)} ({s.Count} requests)";

    /// <summary>
    /// <paramref name="requests"/> sequential GETs after a warm-up of up to <see cref="WarmUpRequests"/>, or fewer when they are slow: the warm-up
    /// stops after <see cref="WarmUpBudget"/> and the measured requests after <see cref="TimeBudget"/> (but not before
    /// <see cref="MinRequests"/>), so that a slow query is reported rather than holding the run for an hour.
    /// </summary>
    private static async Task<Samples> HttpAsync(BenchContext ctx, HttpClient http, string path, int requests, bool? expectFresh)
    {
        var values = new List<double>(requests);
        var budget = Stopwatch.StartNew();
        var warmUps = 0;
        var warmingUp = true;
        for (var i = 0; values.Count < requests; i++)
        {
            if (warmingUp && (warmUps >= Math.Min(WarmUpRequests, requests / 4) || budget.Elapsed > WarmUpBudget))
            {
                warmingUp = false;
                budget.Restart();
            }

            if (!warmingUp && values.Count >= MinRequests && budget.Elapsed > TimeBudget)
            {
                break;
            }

            var clock = Stopwatch.StartNew();
            using var response = await http.GetAsync(path, ctx.Cancellation);
            var body = await response.Content.ReadAsStringAsync(ctx.Cancellation);
            clock.Stop();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {body}");
            }

            if (i == 0 && expectFresh is { } fresh && !body.Contains($"\"fresh\":{(fresh ? "true" : "false")}", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"GET {path} did not answer fresh={fresh}: {body}");
            }

            if (warmingUp)
            {
                warmUps++;
            }
            else
            {
                values.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        Progress.Say($"GET {path}: p50 {Format.Ms(Samples.Of(values).P50)}, p99 {Format.Ms(Samples.Of(values).P99)}");
        return Samples.Of(values);
    }

    private static async Task<Samples> CliAsync(BenchContext ctx, ServiceProcesses services, string env, string db, int runs)
    {
        var values = new List<double>();
        var warmUps = ctx.Options.Smoke ? 1 : 2;
        for (var i = 0; i < runs + warmUps; i++)
        {
            var psi = new ProcessStartInfo("dotnet")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in new[]
                     {
                         ctx.Layout.CliDll, "gate", "check", "--env", env, "--db", db,
                         "--release", LedgerState.CurrentRelease, "--url", services.Client.BaseAddress.ToString(),
                     })
            {
                psi.ArgumentList.Add(arg);
            }

            psi.Environment["DGLEDGER_TOKEN"] = services.Token;
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync(ctx.Cancellation);
            var stderr = process.StandardError.ReadToEndAsync(ctx.Cancellation);
            await process.WaitForExitAsync(ctx.Cancellation);
            clock.Stop();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"dgledger gate check exited with {process.ExitCode} (0 expected: a fresh backup exists): {await stdout} {await stderr}");
            }

            if (i >= warmUps)
            {
                values.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        Progress.Say($"dgledger gate check: median {Format.Ms(Samples.Of(values).Median)}");
        return Samples.Of(values);
    }
}
