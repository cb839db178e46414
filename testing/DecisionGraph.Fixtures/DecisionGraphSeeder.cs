using System.Diagnostics;
using Ledger.Postgres;
using Npgsql;

namespace DecisionGraph.Fixtures;

/// <summary>
/// Fills an empty database with a deterministic DecisionGraph-shaped data set (see <see cref="DecisionGraphGenerator"/>),
/// for restore-fidelity tests, benchmarks and <c>dgledger seed</c>.
/// <para>
/// How it loads: every table gets its own connection, transaction and binary COPY, all open at once and fed by one
/// generator thread, so rows stream to the server as they are made. The indexes stay in place: the generator makes
/// ids that grow with time (log_seq, UUIDv7 event ids, ULID trace ids and idempotency keys), so index inserts land
/// at the right edge of each index, and building the indexes after the data measured slower (the builds run one after
/// the other at the end instead of overlapping the COPY).
/// </para>
/// <para>
/// The event log's trace trigger costs about a third of the load time. By default it is bypassed for the load
/// (<c>SET LOCAL session_replication_role = replica</c>, which needs superuser or, on PostgreSQL 15+, a GRANT SET on that
/// parameter); the data satisfies it by construction (the generator tests check that), the unique constraints are
/// still enforced, and the scenario tests check the trigger itself by inserting violating rows normally.
/// <see cref="SeedOptions.CheckedLoad"/>, or a role that may not set the parameter, loads with the trigger firing.
/// </para>
/// <para>
/// A seed goes only into empty tables: if any of them has rows, nothing is written (<see cref="SeedRefusedException"/>).
/// The tables commit one after the other, the event log last; a failure before the commits leaves every table as it was.
/// </para>
/// </summary>
public static class DecisionGraphSeeder
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    /// <summary>Creates the schema if it is missing (idempotent). Accepts a libpq URI or an Npgsql connection string.</summary>
    public static async Task EnsureSchemaAsync(string connectionString, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(LoadConnectionString(connectionString));
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(DecisionGraphSchema.Sql(), connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Creates the schema if needed and fills it. Accepts a libpq URI or an Npgsql connection string.
    /// </summary>
    /// <exception cref="SeedRefusedException">Some table already has rows; nothing was written.</exception>
    /// <exception cref="ArgumentException">The connection string cannot be read, or an option is out of range.</exception>
    public static async Task<SeedReport> SeedAsync(
        string connectionString, SeedOptions options, IProgress<SeedProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var normalized = LoadConnectionString(connectionString);
        await RefuseIfSeededAsync(normalized, ct); // before the schema script, which would replace the trigger of a live log
        await EnsureSchemaAsync(normalized, ct);

        var generator = new DecisionGraphGenerator(options);
        var clock = Stopwatch.StartNew();
        await using var sink = await PostgresSeedSink.OpenAsync(normalized, options.CheckedLoad, ct);

        var lastReport = TimeSpan.Zero;
        void Tick()
        {
            if (progress is not null && clock.Elapsed - lastReport >= ProgressInterval)
            {
                lastReport = clock.Elapsed;
                progress.Report(new SeedProgress(generator.TracesCompleted, generator.EventRows, generator.Rows, lastReport));
            }
        }

        // The COPY writes are synchronous (they block only when a socket buffer is full): one long-running thread.
        await Task.Factory.StartNew(
            () => generator.Run(sink, Tick, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await sink.CompleteAsync(ct);
        clock.Stop();

        var seconds = clock.Elapsed.TotalSeconds;
        return new SeedReport(
            PgConnectionStrings.Redact(normalized),
            options.Seed,
            options.Traces,
            options.Tenants,
            sink.LoadMode,
            generator.EventRows,
            generator.Rows,
            Math.Round(seconds, 3),
            Math.Round(generator.EventRows / Math.Max(seconds, 0.001)),
            sink.Counts);
    }

    /// <summary>
    /// A first, unlocked look: if any of the tables exists and has rows, refuse before changing anything. The loads
    /// look again under their locks (<see cref="PostgresSeedSink.OpenAsync"/>), which is what makes it safe.
    /// </summary>
    private static async Task RefuseIfSeededAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var existing = new List<string>();
        await using (var command = new NpgsqlCommand(
            "select relname from pg_class where relkind in ('r', 'p') and relname = any(@tables) and pg_table_is_visible(oid)", connection))
        {
            command.Parameters.AddWithValue("tables", DecisionGraphSchema.Tables.ToArray());
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                existing.Add(reader.GetString(0));
            }
        }

        var nonEmpty = new List<string>();
        foreach (var table in DecisionGraphSchema.Tables.Where(existing.Contains))
        {
            await using var command = new NpgsqlCommand($"select exists (select 1 from {table})", connection);
            if ((bool)(await command.ExecuteScalarAsync(ct))!)
            {
                nonEmpty.Add(table);
            }
        }

        if (nonEmpty.Count > 0)
        {
            throw SeedRefusedException.For(nonEmpty);
        }
    }

    /// <summary>
    /// The Npgsql form, tuned for bulk loading: no pooling (a seed is one-off and opens a connection per table), larger
    /// write buffers, and no command timeout (finishing a large COPY can take longer than the default 30 s).
    /// </summary>
    private static string LoadConnectionString(string connectionString) =>
        new NpgsqlConnectionStringBuilder(PgConnectionStrings.Normalize(connectionString))
        {
            Pooling = false,
            WriteBufferSize = 64 * 1024,
            CommandTimeout = 0,
        }.ConnectionString;
}
