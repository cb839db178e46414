using Ledger.Testing.Postgres;
using System.Globalization;
using DgLedger.Bench.Infrastructure;
using DgLedger.Bench.Measurements;
using DgLedger.Bench.Reporting;
using Ledger.Postgres;

namespace DgLedger.Bench;

/// <summary>
/// One run of bench/run: a private PostgreSQL, the ledger state, the seeded databases, the ledger and the agent as
/// their own processes, then each measurement in turn. A measurement that fails is reported as failed and the others
/// still run; everything the run created is removed at the end (Ctrl+C too).
/// </summary>
public static class BenchRun
{
    public static async Task<int> RunAsync(BenchOptions options, RepositoryLayout layout, CancellationToken ct)
    {
        var startedAt = DateTimeOffset.Now;
        var scale = options.Scale;
        var work = Path.Combine(options.ResultsDirectory, "tmp", $"{startedAt:yyyyMMdd-HHmmss}-{scale.Name}");
        Directory.CreateDirectory(work);
        var results = new BenchResults();
        var failed = false;
        await using var load = new LoadSampler();

        Progress.Say($"scale {scale.Name}, {options.Runs} run(s){(options.Smoke ? "" : " after a warm-up")}{(options.Only is null ? "" : $", only {options.Only}")}; work directory {work}");
        await using var postgres = await PostgresProvisioner.AcquireAsync(
            new PostgresProvisionOptions { NamePrefix = "dgbench" }, Progress.Say, ct);
        var tools = PgToolPaths.Locate();
        var pgDumpVersion = (await PgProcessRunner.Default.RunAsync(new PgCommand(tools.PgDump, ["--version"]), null, ct)).StdoutText?.Trim();
        results.Setup.Add($"Command: `bench/run {(options.Smoke ? "--smoke" : $"--scale {scale.Name}")} --runs {options.Runs}"
                          + (options.Only is null ? "" : $" --only {options.Only}") + "`; each figure is the median of the runs"
                          + (options.Smoke ? "" : " after one warm-up") + ", "
                          + "spreads are min–max (p10–p90 from 10 values up), ratios are medians of per-run ratios (both sides measured back to back, alternating order).");
        results.Setup.Add($"Machine: {Environment.ProcessorCount} cores, {Format.Bytes(TotalMemoryBytes())} RAM, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, "
                          + $".NET {Environment.Version}; other work on the machine adds noise, hence ratios.");
        results.Setup.Add($"PostgreSQL: {postgres.ServerVersion} ({postgres.Kind}"
                          + (postgres.Kind == PostgresInstanceKind.LocalCluster ? ", a throwaway cluster with fsync=off, synchronous_commit=off, full_page_writes=off" : "")
                          + $"); client {pgDumpVersion}.");

        var ctx = new BenchContext(options, layout, postgres, tools, work, results, ct);
        var wantsSource = options.Wants(MeasurementNames.Seed) || options.Wants(MeasurementNames.Backup)
                          || options.Wants(MeasurementNames.Restore) || options.Wants(MeasurementNames.Compression)
                          || options.Wants(MeasurementNames.Jobs) || options.Wants(MeasurementNames.Repositories);
        var wantsAgent = options.Wants(MeasurementNames.Backup) || options.Wants(MeasurementNames.Restore)
                         || options.Wants(MeasurementNames.Repositories);

        async Task StepAsync(string name, string id, Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                failed = true;
                Progress.Say($"{name} FAILED: {e}");
                results.Add(new Row(id, name, "–", "–", "–", "–", Verdict.Failed, $"{name} failed: {e.GetType().Name}: {e.Message}"));
            }
        }

        try
        {
            if (wantsSource)
            {
                ctx.Source = await SeedStepAsync(ctx, StepAsync);
            }

            var managed = new List<BenchDatabase>();
            if (wantsAgent && ctx.Source is not null)
            {
                managed.Add(ctx.Source);
                if (options.Wants(MeasurementNames.Backup) && !options.Smoke)
                {
                    var tiny = await SeedBench.SeedAsync(ctx, SeedBench.TinyDatabase, Scale.Smoke.Traces);
                    await SeedBench.VacuumAsync(tiny.Database.ConnectionString, ct);
                    results.Figure("tiny.bytes", tiny.SizeBytes);
                    ctx.Tiny = tiny.Database;
                    managed.Add(tiny.Database);
                }
            }

            if (wantsAgent)
            {
                Progress.Say("starting the ledger and the agent (Release builds, their own processes)");
                var ledgerConnection = await postgres.CreateDatabaseAsync("dgledger_bench", ct);
                ctx.Services = await ServiceProcesses.StartAsync(layout, ledgerConnection, managed, work, "ledger", ct);
            }

            if (options.Wants(MeasurementNames.Backup) && ctx.Source is not null)
            {
                await StepAsync("backup", "1", () => BackupBench.RunAsync(ctx));
            }
            else if (options.Wants(MeasurementNames.Restore) && ctx.Source is not null)
            {
                await StepAsync("a backup to restore", "3", () => BackupBench.TakeOneAsync(ctx));
            }

            if (options.Wants(MeasurementNames.Restore))
            {
                await StepAsync("restore", "3", () => ctx.LastBackup is null
                    ? throw new InvalidOperationException("no verified backup through the agent to restore")
                    : RestoreBench.RunAsync(ctx));
            }

            if (options.Wants(MeasurementNames.Compression) && ctx.Source is not null)
            {
                await StepAsync("compression level", "D1", () => DumpDefaults.CompressionAsync(ctx));
            }

            if (options.Wants(MeasurementNames.Jobs) && ctx.Source is not null)
            {
                await StepAsync("restore jobs", "D2", () => DumpDefaults.JobsAsync(ctx));
            }

            if (options.Wants(MeasurementNames.Repositories) && ctx.Source is not null && ctx.Services is not null)
            {
                await StepAsync("repositories", "9", () => RepositoryBench.RunAsync(ctx));
            }

            if (ctx.Services is not null)
            {
                await ctx.Services.DisposeAsync();
                ctx.Services = null;
            }

            if (options.Wants(MeasurementNames.Ledger) || options.Wants(MeasurementNames.Observability))
            {
                await LedgerStepAsync(ctx, StepAsync);
            }

            if (options.Wants(MeasurementNames.Observability))
            {
                await StepAsync("webhook burst", "8", () => ObservabilityBench.BurstAsync(ctx));
            }
        }
        finally
        {
            if (ctx.Services is not null)
            {
                await ctx.Services.DisposeAsync();
            }
        }

        results.Rows.Sort((a, b) => string.CompareOrdinal(SortKey(a.Id), SortKey(b.Id)));
        if (options.Smoke)
        {
            // Tiny data, one run, no warm-up: the figures prove the harness works, not how DgLedger performs.
            for (var i = 0; i < results.Rows.Count; i++)
            {
                if (results.Rows[i].Verdict is Verdict.Met or Verdict.Missed)
                {
                    results.Rows[i] = results.Rows[i] with { Verdict = Verdict.Info };
                }
            }

            results.Setup.Insert(0, "**Smoke run**: tiny data, one run without warm-up, to keep the harness working; targets are not judged.");
        }

        var loads = Samples.Of(load.Samples);
        results.Setup.Add($"The run took {Progress.Elapsed.TotalMinutes:0.0} min; the machine's 1-minute load average during it (every 10 s) "
                          + $"was {Format.Number(loads.Median, "0.0")} median, {Format.Number(loads.Max, "0.0")} at most, on {Environment.ProcessorCount} cores.");
        results.Figure("machine.load.median", loads.Median);
        var title = $"DgLedger benchmarks: {scale.Name}, {startedAt:yyyy-MM-dd HH:mm}";
        var earlier = MarkdownReport.ReadLatest(options.ResultsDirectory);
        var markdown = MarkdownReport.Render(results, title, earlier, scale.Name);
        var (mdPath, jsonPath) = await MarkdownReport.WriteAsync(results, options.ResultsDirectory, scale.Name, options.Only, markdown, startedAt);
        Console.WriteLine(markdown);
        Progress.Say($"written to {mdPath} (figures in {jsonPath})");

        if (failed)
        {
            Progress.Say($"some measurements failed; logs of the ledger and agent are kept in {Path.Combine(work, "logs")}");
            DeleteQuietly(Path.Combine(work, "repository"));
        }
        else
        {
            DeleteQuietly(work);
        }

        return failed ? 1 : 0;
    }

    /// <summary>
    /// Measurement 7 runs last, on a ledger of its own: the synthetic state is loaded into a new database through the
    /// ledger's Marten store, then a second ledger process serves it, so the newest synthetic backups are minutes old
    /// when the pipeline questions are asked with their default maximum age (1 h).
    /// </summary>
    private static async Task LedgerStepAsync(BenchContext ctx, Func<string, string, Func<Task>, Task> step)
    {
        var scale = ctx.Options.Scale;
        var connection = await ctx.Postgres.CreateDatabaseAsync("dgledger_queries", ctx.Cancellation);
        LedgerState.Loaded? loaded = null;
        await step("loading the ledger state", "7", async () =>
        {
            Progress.Say($"loading {scale.LedgerBackups:N0} synthetic backups ({scale.LedgerBackups * LedgerState.EventsPerBackup:N0} events) through Marten");
            loaded = await LedgerState.LoadAsync(connection, scale.LedgerBackups, ctx.Cancellation);
            ctx.Results.Figure("ledger.load.ms", loaded.Elapsed.TotalMilliseconds);
            ctx.Results.Add(new Row("7", $"ledger state: {loaded.Backups:N0} backups, {loaded.Events:N0} events, appended through the ledger's Marten store "
                                         + $"(inline restore points; Quick append mode for the load), {LedgerState.BatchSize:N0} streams per SaveChanges, {LedgerState.Writers} writers",
                $"loaded in {Format.Ms(loaded.Elapsed.TotalMilliseconds)} ({loaded.Events / loaded.Elapsed.TotalSeconds:N0} events/s)",
                "–", "–", "(setup)", Verdict.Info));
        });
        if (loaded is null)
        {
            return;
        }

        await step("ledger queries", "7", async () =>
        {
            Progress.Say("starting a ledger on the loaded state");
            await using var ledger = await ServiceProcesses.StartAsync(ctx.Layout, connection, [], ctx.WorkDirectory, "ledger-queries", ctx.Cancellation);
            if (ctx.Options.Wants(MeasurementNames.Ledger))
            {
                await LedgerQueries.RunAsync(ctx, ledger, loaded);
                await ConsolePages.RunAsync(ctx, ledger, loaded);
            }

            if (ctx.Options.Wants(MeasurementNames.Observability))
            {
                await ObservabilityBench.ScrapeAsync(ctx, ledger, loaded);
            }
        });
    }

    private static async Task<BenchDatabase?> SeedStepAsync(BenchContext ctx, Func<string, string, Func<Task>, Task> step)
    {
        BenchDatabase? source = null;
        await step("seeding", "5", async () =>
            source = await SeedBench.RunAsync(ctx, measure: ctx.Options.Wants(MeasurementNames.Seed)));
        return source;
    }

    /// <summary>"1" &lt; "1b" &lt; "2" ... &lt; "7e" &lt; "D1": numbers first, in order.</summary>
    private static string SortKey(string id) =>
        char.IsAsciiDigit(id[0]) ? id.PadRight(4, ' ') : "~" + id;

    private static long TotalMemoryBytes()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            return long.Parse(new string(line.Where(char.IsAsciiDigit).ToArray()), CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or FormatException)
        {
            return 0;
        }
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Progress.Say($"could not remove {directory}: {e.Message}");
        }
    }
}
