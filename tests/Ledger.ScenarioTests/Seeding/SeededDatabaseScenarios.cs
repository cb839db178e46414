using System.Globalization;
using DecisionGraph.Fixtures;
using Npgsql;

namespace Ledger.ScenarioTests.Seeding;

public sealed class when_a_database_is_seeded(TwoSeededDatabases seeded) : IClassFixture<TwoSeededDatabases>
{
    [Fact]
    public async Task its_projections_agree_with_the_event_log()
    {
        var failures = new List<string>();
        foreach (var (name, sql) in ProjectionChecks.All)
        {
            var violations = await SeedingPostgres.ScalarAsync<long>(seeded.First, sql);
            if (violations != 0)
            {
                failures.Add($"{name}: {violations} violations");
            }
        }

        Assert.Empty(failures);
        var tenants = TwoSeededDatabases.Options.Tenants;
        Assert.Equal((long)tenants, await SeedingPostgres.ScalarAsync<long>(seeded.First, "select count(distinct tenant_id) from dg_event_log"));
        Assert.Equal((long)tenants * DecisionGraphGenerator.Projections.Count,
            await SeedingPostgres.ScalarAsync<long>(seeded.First, "select count(*) from dg_projection_cursors"));
    }

    [Fact]
    public async Task the_same_seed_gives_identical_tables_in_another_database()
    {
        foreach (var table in DecisionGraphSchema.Tables)
        {
            var sql = $"select count(*) || ':' || md5(string_agg(t::text, '|' order by t::text)) from {table} t";
            var first = await SeedingPostgres.ScalarAsync<string>(seeded.First, sql);
            var second = await SeedingPostgres.ScalarAsync<string>(seeded.Second, sql);

            Assert.False(first.StartsWith("0:", StringComparison.Ordinal), $"{table} is empty");
            Assert.True(first == second, $"{table} differs: {first} vs {second}");
        }

        const string sequences = "select string_agg(sequencename || '=' || last_value, ',' order by sequencename) from pg_sequences where sequencename like 'dg\\_%'";
        Assert.Equal(
            await SeedingPostgres.ScalarAsync<string>(seeded.First, sequences),
            await SeedingPostgres.ScalarAsync<string>(seeded.Second, sequences));
    }

    [Fact]
    public async Task the_report_counts_what_the_tables_hold()
    {
        var counts = await SeedingPostgres.CountsAsync(seeded.First);

        Assert.Equal(DecisionGraphSchema.Tables, seeded.FirstReport.Tables.Select(t => t.Table));
        Assert.All(seeded.FirstReport.Tables, t => Assert.Equal(counts[t.Table], t.Rows));
        Assert.Equal(counts[DecisionGraphSchema.EventLog], seeded.FirstReport.EventRows);
        Assert.Equal(counts.Values.Sum(), seeded.FirstReport.Rows);
        Assert.Equal((long)TwoSeededDatabases.Options.Traces, counts[DecisionGraphSchema.TraceSummary]);
    }

    [Fact]
    public async Task it_loaded_fast_yet_the_trigger_still_guards_the_log_afterwards()
    {
        Assert.Equal(SeedLoadModes.Fast, seeded.FirstReport.LoadMode);
        var (tenant, trace, last) = await LastOpenTraceAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            SeedingPostgres.ExecuteAsync(seeded.Scratch, Insert(tenant, trace, last + 2, "TraceStarted", logSeq: 900_000_000)));

        // dg_validate_event_log_insert()'s first rule, whatever else the trace holds by now.
        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
        Assert.Equal("trace_started_requires_zero", error.MessageText);
    }

    [Fact]
    public async Task a_new_event_continues_the_seeded_log_seq_and_trace()
    {
        var (tenant, trace, last) = await LastOpenTraceAsync();
        var head = await SeedingPostgres.ScalarAsync<long>(seeded.Scratch, "select max(log_seq) from dg_event_log");

        var logSeq = await SeedingPostgres.ScalarAsync<long>(seeded.Scratch, Insert(tenant, trace, last + 1, "TraceFinished") + " returning log_seq");

        Assert.Equal(head + 1, logSeq);
    }

    [Fact]
    public async Task seeding_it_again_is_refused_and_changes_nothing()
    {
        var before = await SeedingPostgres.CountsAsync(seeded.First);

        var refused = await Assert.ThrowsAsync<SeedRefusedException>(() =>
            DecisionGraphSeeder.SeedAsync(seeded.First, new SeedOptions { Traces = 10, Seed = 99 }));

        Assert.Equal(DecisionGraphSchema.Tables, refused.NonEmptyTables);
        Assert.Contains("dg_event_log", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await SeedingPostgres.CountsAsync(seeded.First));
    }

    [Fact]
    public async Task a_refused_seed_leaves_an_existing_log_and_its_trigger_alone()
    {
        // A log that is not ours: a row in it, and a trigger function of its own.
        var database = await seeded.NewDatabaseAsync("foreign_log");
        await SeedingPostgres.ExecuteAsync(database, """
            create table dg_event_log (log_seq bigserial primary key, tenant_id text, trace_id text, trace_seq int, event_type text);
            create function dg_validate_event_log_insert() returns trigger language plpgsql as $$ begin /* theirs */ return new; end $$;
            insert into dg_event_log (tenant_id, trace_id, trace_seq, event_type) values ('t', 'x', 0, 'TraceStarted');
            """);

        var refused = await Assert.ThrowsAsync<SeedRefusedException>(() =>
            DecisionGraphSeeder.SeedAsync(database, new SeedOptions { Traces = 5 }));

        Assert.Equal([DecisionGraphSchema.EventLog], refused.NonEmptyTables);
        Assert.Contains("/* theirs */", await SeedingPostgres.ScalarAsync<string>(database, "select prosrc from pg_proc where proname = 'dg_validate_event_log_insert'"), StringComparison.Ordinal);
        Assert.False(await SeedingPostgres.ScalarAsync<bool>(database, "select exists (select 1 from pg_class where relname = 'dg_trace_summary')"));
    }

    /// <summary>An open trace (one without TraceFinished) of the scratch database, by tenant, id and last trace_seq.</summary>
    private async Task<(string Tenant, string Trace, int LastSeq)> LastOpenTraceAsync()
    {
        await using var connection = new NpgsqlConnection(seeded.Scratch);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select tenant_id, trace_id, event_count - 1 from dg_trace_summary where finished_at is null order by last_log_seq desc limit 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the seed has no open trace");
        return (reader.GetString(0), reader.GetString(1), reader.GetInt32(2));
    }

    /// <summary>An INSERT of one event; with <paramref name="logSeq"/> it names its log_seq, so it takes nothing from the sequence.</summary>
    private static string Insert(string tenant, string trace, int seq, string type, long? logSeq = null) =>
        $$"""
        insert into dg_event_log (log_seq, tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at,
                                  producer_id, source_system, actor_type, actor_id, idempotency_key, payload_json, payload_hash)
        values ({{(logSeq is { } value ? value.ToString(CultureInfo.InvariantCulture) : "default")}}, {{Literal(tenant)}}, gen_random_uuid()::text,
                {{Literal(trace)}}, {{seq}}, '{{type}}', '2025-03-04T00:00:00Z', '2025-03-04T00:00:00Z', 'test', 'test', 'service', 'test',
                gen_random_uuid()::text, '{}', '-')
        """;

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
