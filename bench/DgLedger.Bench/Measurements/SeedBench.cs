using System.Diagnostics;
using DgLedger.Bench.Infrastructure;
using DgLedger.Bench.Reporting;
using DecisionGraph.Fixtures;
using Npgsql;

namespace DgLedger.Bench.Measurements;

/// <summary>
/// Measurement 5, and the databases every other measurement uses. The seeder (the one behind <c>dgledger seed</c>)
/// fills a new database at the chosen scale; its rate is event-log rows over the whole call (schema, COPY, index
/// builds, commit). At the small scales the seed is repeated into scratch databases (a warm-up plus the runs); at
/// medium and large the one seed of the source database is the measurement.
/// </summary>
public static class SeedBench
{
    public const string TinyDatabase = "dg_tiny";

    public sealed record Seeded(BenchDatabase Database, SeedReport Report, double WallMs, long SizeBytes);

    public static async Task<BenchDatabase> RunAsync(BenchContext ctx, bool measure)
    {
        var scale = ctx.Options.Scale;
        var name = $"dg_{scale.Name}";
        var repeat = measure && scale.TargetBytes <= Scale.Small.TargetBytes;
        var rates = new List<double>();
        Seeded? source = null;
        var attempts = repeat ? ctx.RunsWithWarmUp : 1;
        for (var run = 0; run < attempts; run++)
        {
            var last = run == attempts - 1;
            var seeded = await SeedAsync(ctx, last ? name : $"dg_seed_{run}", scale.Traces);
            var rate = seeded.Report.EventRows / (seeded.WallMs / 1000);
            Progress.Say($"seed{(repeat ? ctx.IsWarmUp(run) ? " warm-up" : $" run {ctx.RunNumber(run)}/{ctx.Options.Runs}" : "")}: {seeded.Report.EventRows:N0} event rows "
                         + $"({seeded.Report.Rows:N0} rows, {Format.Bytes(seeded.SizeBytes)}) in {Format.Ms(seeded.WallMs)}: {rate:N0} event rows/s "
                         + $"({seeded.Report.LoadMode} load)");
            if (!repeat || !ctx.IsWarmUp(run))
            {
                rates.Add(rate);
            }

            if (last)
            {
                source = seeded;
            }
            else
            {
                await ctx.Postgres.DropDatabaseAsync(seeded.Database.Name, ctx.Cancellation);
            }
        }

        // A live database has been vacuumed: do it once, outside the timing, so the first dump does not set hint bits.
        await VacuumAsync(source!.Database.ConnectionString, ctx.Cancellation);
        var report = source.Report;
        var results = ctx.Results;
        results.Figure("source.bytes", source.SizeBytes);
        results.Figure("seed.rows", report.EventRows);
        results.Figure("seed.all_rows", report.Rows);
        results.Setup.Add($"Source database: `{scale.Traces:N0}` traces seeded (`dgledger seed --traces {scale.Traces}`, "
                          + $"{report.LoadMode} load) = {report.EventRows:N0} dg_event_log rows, {report.Rows:N0} rows in all, "
                          + $"pg_database_size {Format.Bytes(source.SizeBytes)} (target about {Format.Bytes(scale.TargetBytes)}).");
        if (measure)
        {
            var samples = Samples.Of(rates);
            results.Figure("seed.rows_per_s", samples);
            results.Add(new Row("5", $"seeding ({report.EventRows:N0} event rows, {report.Rows:N0} rows in all, {report.LoadMode} load)",
                Format.Rate(samples), "–", "–", "≥ 100,000 event rows/s", samples.Median >= 100_000 ? Verdict.Met : Verdict.Missed,
                $"Event-log rows over the whole seed call (schema, binary COPY of every table with its indexes in place, commit); the "
                + $"seeder's own figure, which leaves out the schema, was {report.EventRowsPerSecond:N0} rows/s for the last seed."
                + (report.LoadMode == SeedLoadModes.Fast ? " The fast load bypasses the event log's trace trigger for the load." : "")
                + " The seeder streams 14 binary COPYs at once and both sides are CPU-bound (one measurement of 40,000 traces: "
                + "258k event rows cost 8.7 s of server CPU and 6.4 s of client CPU, start-up included): on two cores the rate is "
                + "bounded by the cores, and grows with the scale as the fixed start-up is spread over more rows."));
        }

        return source.Database;
    }

    public static async Task<Seeded> SeedAsync(BenchContext ctx, string name, int traces)
    {
        var connectionString = await ctx.Postgres.CreateDatabaseAsync(name, ctx.Cancellation);
        var clock = Stopwatch.StartNew();
        var report = await DecisionGraphSeeder.SeedAsync(connectionString, new SeedOptions { Traces = traces }, null, ctx.Cancellation);
        clock.Stop();
        return new Seeded(new BenchDatabase(name, connectionString), report, clock.Elapsed.TotalMilliseconds,
            await DatabaseSizeAsync(connectionString, ctx.Cancellation));
    }

    public static async Task VacuumAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("vacuum (analyze)", connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task<long> DatabaseSizeAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("select pg_database_size(current_database())", connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
