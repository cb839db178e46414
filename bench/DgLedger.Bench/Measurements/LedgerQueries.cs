using System.Diagnostics;
using DgLedger.Bench.Infrastructure;
using DgLedger.Bench.Reporting;

namespace DgLedger.Bench.Measurements;

/// <summary>
/// Measurement 7: with the synthetic ledger state loaded, how fast does the ledger answer the questions a pipeline
/// asks on every run? <c>fresh-backup</c> and <c>backups list</c> over HTTP (p50/p99 of sequential requests on a
/// kept-alive connection, after a warm-up), and <c>dgledger gate check</c> as a pipeline runs it: a new process each
/// time, start to exit.
/// </summary>
public static class LedgerQueries
{
    // The newest backup of the probed database is minutes old when loaded, but a large run reaches these queries
    // long after loading: the maximum age is one day, which still selects only the newest daily backup or so.
    private const long MaxAgeSeconds = 86_400;

    private const int MinRequests = 100;
    private static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(60);

    public static async Task RunAsync(BenchContext ctx, LedgerState.Loaded loaded)
    {
        var services = ctx.Services!;
        var results = ctx.Results;
        var (env, db) = LedgerState.Probe;
        var httpRequests = ctx.Options.Smoke ? 50 : 1000;
        var cliRuns = ctx.Options.Smoke ? 2 : 20;
        var state = $"{loaded.Backups:N0} backups, {loaded.Events:N0} events";

        var fresh = await HttpAsync(ctx, $"/api/v1/gates/fresh-backup?env={env}&db={db}&max_age={MaxAgeSeconds}&release={LedgerState.CurrentRelease}",
            httpRequests, expectFresh: true);
        var notFresh = await HttpAsync(ctx, $"/api/v1/gates/fresh-backup?env={env}&db={db}&max_age={MaxAgeSeconds}&release=r-never-deployed",
            httpRequests, expectFresh: false);
        var list = await HttpAsync(ctx, "/api/v1/backups?page=1&pageSize=50", httpRequests, expectFresh: null);
        var listFiltered = await HttpAsync(ctx, $"/api/v1/backups?environment={env}&database={db}&page=1&pageSize=50", httpRequests, expectFresh: null);
        var cli = await CliAsync(ctx, env, db, cliRuns);

        results.Figure("ledger.fresh.p50.ms", fresh.P50);
        results.Figure("ledger.fresh.p99.ms", fresh.P99);
        results.Figure("ledger.notfresh.p99.ms", notFresh.P99);
        results.Figure("ledger.list.p99.ms", list.P99);
        results.Figure("ledger.list_filtered.p99.ms", listFiltered.P99);
        results.Figure("ledger.cli.median.ms", cli.Median);
        results.Figure("ledger.cli.p99.ms", cli.P99);

        results.Add(new Row("7a", $"`fresh-backup` over HTTP, a fresh backup exists ({state})", Latency(fresh), "–", "–",
            "p99 < 10 ms", fresh.P99 < 10 ? Verdict.Met : Verdict.Missed));
        results.Add(new Row("7b", "`fresh-backup` over HTTP, none at that release", Latency(notFresh), "–", "–",
            "p99 < 10 ms", notFresh.P99 < 10 ? Verdict.Met : Verdict.Missed));
        results.Add(new Row("7c", "`dgledger gate check` end to end (new process each time)",
            $"median {Format.Ms(cli.Median)}, p99 {Format.Ms(cli.P99)} ({cli.Count} runs)", "–", "–",
            "median < 500 ms", cli.Median < 500 ? Verdict.Met : Verdict.Missed,
            cli.P99 >= 500 && cli.Median < 500 ? $"the slowest CLI run took {Format.Ms(cli.Max)}: process start on a busy 2-core machine." : null));
        results.Add(new Row("7d", "`backups list`, first page of 50, no filter", Latency(list), "–", "–",
            "p99 < 20 ms", list.P99 < 20 ? Verdict.Met : Verdict.Missed));
        results.Add(new Row("7e", "`backups list`, first page, one environment and database", Latency(listFiltered), "–", "–",
            "(p99 < 20 ms)", Verdict.Info));
    }

    private static string Latency(Samples s) => $"p50 {Format.Ms(s.P50)}, p99 {Format.Ms(s.P99)} ({s.Count} requests)";

    /// <summary>
    /// <paramref name="requests"/> sequential GETs after a warm-up, or fewer (at least <see cref="MinRequests"/>) when they
    /// take longer than <see cref="TimeBudget"/> in all: a slow query must not hold the run for an hour.
    /// </summary>
    private static async Task<Samples> HttpAsync(BenchContext ctx, string path, int requests, bool? expectFresh)
    {
        var http = ctx.Services!.Client.Http;
        var warmUp = Math.Min(50, requests);
        var values = new List<double>(requests);
        var budget = Stopwatch.StartNew();
        for (var i = 0; i < warmUp + requests; i++)
        {
            if (i == warmUp)
            {
                budget.Restart();
            }
            else if (i > warmUp + MinRequests && budget.Elapsed > TimeBudget)
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

            if (i >= warmUp)
            {
                values.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        Progress.Say($"GET {path}: p50 {Format.Ms(Samples.Of(values).P50)}, p99 {Format.Ms(Samples.Of(values).P99)}");
        return Samples.Of(values);
    }

    private static async Task<Samples> CliAsync(BenchContext ctx, string env, string db, int runs)
    {
        var services = ctx.Services!;
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
                         ctx.Layout.CliDll, "gate", "check", "--env", env, "--db", db, "--max-age", "1d",
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
