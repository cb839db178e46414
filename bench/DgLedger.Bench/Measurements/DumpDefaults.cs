using DgLedger.Bench.Infrastructure;
using DgLedger.Bench.Reporting;
using Ledger.Postgres;

namespace DgLedger.Bench.Measurements;

/// <summary>
/// The dump defaults, chosen from measurement: <c>pg_dump -Fc --compress=1</c> (the agent's default) against pg_dump's 6 (time and
/// size), and <c>pg_restore --jobs</c> 1, 2 and 4 against the core count. Bare tools only, alternating order.
/// </summary>
public static class DumpDefaults
{
    public const double CompressionTimeSavingNeeded = 0.25;
    public const double CompressionSizeGrowthAllowed = 0.25;
    public const double JobsTolerance = 0.05;

    public static async Task CompressionAsync(BenchContext ctx)
    {
        var source = ctx.Source!;
        int[] levels = [1, 6];
        var times = levels.ToDictionary(l => l, _ => new List<double>());
        var sizes = levels.ToDictionary(l => l, _ => new List<double>());
        for (var run = 0; run < ctx.RunsWithWarmUp; run++)
        {
            foreach (var level in run % 2 == 0 ? levels : levels.Reverse())
            {
                var (ms, size) = await BackupBench.PgDumpAsync(ctx, source.ConnectionString, [$"--compress={level}"]);
                if (!ctx.IsWarmUp(run))
                {
                    times[level].Add(ms);
                    sizes[level].Add(size);
                }
            }

            Progress.Say($"compression {(ctx.IsWarmUp(run) ? "warm-up" : $"run {ctx.RunNumber(run)}/{ctx.Options.Runs}")} done");
        }

        var t1 = Samples.Of(times[1]);
        var t6 = Samples.Of(times[6]);
        var s1 = Samples.Of(sizes[1]).Median;
        var s6 = Samples.Of(sizes[6]).Median;
        ctx.Results.Figure("compress1.ms", t1);
        ctx.Results.Figure("compress6.ms", t6);
        ctx.Results.Figure("compress1.bytes", s1);
        ctx.Results.Figure("compress6.bytes", s6);
        var timeSaving = 1 - t1.PairedRatio(t6).Median;
        var sizeGrowth = s1 / s6 - 1;
        var recommendLevel1 = timeSaving >= CompressionTimeSavingNeeded && sizeGrowth <= CompressionSizeGrowthAllowed;

        var d = ctx.Results.Defaults;
        d.Add("| pg_dump -Fc | time | artifact size |");
        d.Add("|---|---|---|");
        d.Add($"| `--compress=1` (the agent's default) | {Format.MsSpread(t1)} | {Format.Bytes(s1)} |");
        d.Add($"| `--compress=6` (pg_dump's default) | {Format.MsSpread(t6)} | {Format.Bytes(s6)} |");
        d.Add("");
        d.Add($"Level 1 takes {Format.Percent(timeSaving)} less time than level 6 (median of per-run ratios) and writes {Format.Percent(sizeGrowth)} more bytes. "
              + (recommendLevel1
                  ? $"**Recommended: `Agent:CompressionLevel` = 1, the agent's default** (it saves at least {Format.Percent(CompressionTimeSavingNeeded)} of the dump time for at most {Format.Percent(CompressionSizeGrowthAllowed)} more storage)."
                  : $"**Recommended here: `Agent:CompressionLevel` = 6, not the agent's default 1** (level 1 would have to save at least {Format.Percent(CompressionTimeSavingNeeded)} of the dump time for at most {Format.Percent(CompressionSizeGrowthAllowed)} more storage)."));
        d.Add("");
    }

    public static async Task JobsAsync(BenchContext ctx)
    {
        string artifact;
        string? own = null;
        if (ctx.LastBackup is { } backup && File.Exists(backup.ArtifactPath))
        {
            artifact = backup.ArtifactPath;
        }
        else
        {
            own = artifact = Path.Combine(ctx.WorkDirectory, "jobs.dump");
            (await ctx.Runner.RunAsync(new PgCommand(ctx.Tools.PgDump, ["-Fc", $"--file={artifact}", "--no-password"])
            {
                ConnectionString = ctx.Source!.ConnectionString,
            }, null, ctx.Cancellation)).EnsureSuccess();
        }

        try
        {
            int[] jobs = [1, 2, 4];
            var times = jobs.ToDictionary(j => j, _ => new List<double>());
            for (var run = 0; run < ctx.RunsWithWarmUp; run++)
            {
                // Rotate the order so no job count always runs first.
                var order = jobs.Skip(run % jobs.Length).Concat(jobs.Take(run % jobs.Length));
                foreach (var j in order)
                {
                    var (ms, _) = await RestoreBench.BareRestoreAsync(ctx, artifact, $"rs_jobs_{j}", j, fingerprint: false);
                    if (!ctx.IsWarmUp(run))
                    {
                        times[j].Add(ms);
                    }
                }

                Progress.Say($"restore jobs {(ctx.IsWarmUp(run) ? "warm-up" : $"run {ctx.RunNumber(run)}/{ctx.Options.Runs}")} done");
            }

            var samples = jobs.ToDictionary(j => j, j => Samples.Of(times[j]));
            var best = samples.Values.Min(s => s.Median);
            var recommended = jobs.First(j => samples[j].Median <= best * (1 + JobsTolerance));
            var d = ctx.Results.Defaults;
            d.Add($"| pg_restore ({Environment.ProcessorCount} cores) | time | against `-j1` |");
            d.Add("|---|---|---|");
            foreach (var j in jobs)
            {
                ctx.Results.Figure($"restore.j{j}.ms", samples[j]);
                d.Add($"| `--jobs={j}` | {Format.MsSpread(samples[j])} | {Format.RatioSpread(samples[j].PairedRatio(samples[1]))} |");
            }

            d.Add("");
            var agentDefault = Math.Clamp(Environment.ProcessorCount, 1, 4);
            d.Add($"**Recommended: `Agent:RestoreJobs` = {recommended}** on this {Environment.ProcessorCount}-core machine at this scale "
                  + $"(the fewest jobs within {Format.Percent(JobsTolerance)} of the fastest). The agent's default, the core count capped at 4, "
                  + (recommended == agentDefault ? $"gives {agentDefault} here: keep it." : $"gives {agentDefault} here."));
        }
        finally
        {
            if (own is not null)
            {
                File.Delete(own);
            }
        }
    }
}
