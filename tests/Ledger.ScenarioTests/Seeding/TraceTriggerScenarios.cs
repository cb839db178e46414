using DecisionGraph.Fixtures;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.ScenarioTests.Seeding;

/// <summary>A database with the DecisionGraph schema and nothing in it, for the trigger scenarios.</summary>
public sealed class EmptySchema : SeedingPostgres
{
    public string Database { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Database = await NewDatabaseAsync("trigger");
        await DecisionGraphSeeder.EnsureSchemaAsync(Database);
        await DecisionGraphSeeder.EnsureSchemaAsync(Database); // idempotent: a second run changes nothing and does not fail
    }
}

/// <summary>
/// The event log's trace trigger (dg_validate_event_log_insert, migration 20260307000100), exercised with ordinary INSERTs and COPY. The seeder bypasses it for speed, so these
/// scenarios are what shows the rules hold for everyone else. Each test writes its own trace.
/// </summary>
public sealed class when_events_that_break_the_trace_rules_are_inserted(EmptySchema db) : IClassFixture<EmptySchema>
{
    private const string RuleViolation = PostgresErrorCodes.CheckViolation;

    [Fact]
    public async Task a_contiguous_trace_that_ends_with_TraceFinished_is_accepted()
    {
        var trace = NewTrace();
        await InsertAsync(trace, 0, "TraceStarted");
        await InsertAsync(trace, 1, "InputObserved");
        await InsertAsync(trace, 2, "PolicyEvaluated");
        await InsertAsync(trace, 3, "TraceFinished");

        Assert.Equal(4L, await SeedingPostgres.ScalarAsync<long>(db.Database, $"select count(*) from dg_event_log where trace_id = '{trace}'"));
    }

    [Fact]
    public async Task a_first_event_that_is_not_TraceStarted_is_rejected()
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(NewTrace(), 0, "InputObserved"));

        AssertRuleViolation(error, "first_event_must_be_trace_started");
    }

    [Fact]
    public async Task a_trace_that_starts_above_0_is_rejected()
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(NewTrace(), 1, "InputObserved"));

        AssertRuleViolation(error, "trace_seq_expected:0");
    }

    [Fact]
    public async Task TraceStarted_anywhere_but_0_is_rejected()
    {
        var trace = NewTrace();
        await InsertAsync(trace, 0, "TraceStarted");

        var error = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(trace, 1, "TraceStarted"));

        AssertRuleViolation(error, "trace_started_requires_zero");
    }

    [Fact]
    public async Task a_gap_in_the_sequence_is_rejected()
    {
        var trace = NewTrace();
        await InsertAsync(trace, 0, "TraceStarted");
        await InsertAsync(trace, 1, "InputObserved");

        var error = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(trace, 3, "PolicyEvaluated"));

        AssertRuleViolation(error, "trace_seq_expected:2");
    }

    [Fact]
    public async Task an_event_after_TraceFinished_is_rejected()
    {
        var trace = NewTrace();
        await InsertAsync(trace, 0, "TraceStarted");
        await InsertAsync(trace, 1, "TraceFinished");

        var error = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(trace, 2, "ActionProposed"));

        AssertRuleViolation(error, "trace_finished_lock");
    }

    [Fact]
    public async Task a_second_event_at_the_same_position_is_refused_by_the_trigger_before_the_unique_index()
    {
        // The trigger computes max(trace_seq) + 1 first; dg_event_log_trace_seq_unique only decides between concurrent appends.
        var trace = NewTrace();
        await InsertAsync(trace, 0, "TraceStarted");
        await InsertAsync(trace, 1, "InputObserved");

        var error = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(trace, 1, "EntityObserved"));

        AssertRuleViolation(error, "trace_seq_expected:2");
    }

    [Fact]
    public async Task an_event_type_outside_the_list_is_rejected()
    {
        var trace = NewTrace();
        await InsertAsync(trace, 0, "TraceStarted");

        // In a position the trigger accepts, so that the CHECK constraint (which runs after BEFORE triggers) decides.
        var error = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(trace, 1, "TraceExploded"));

        Assert.Equal(RuleViolation, error.SqlState);
        Assert.Equal("dg_event_log_event_type_valid", error.ConstraintName);
    }

    [Fact]
    public async Task the_trigger_checks_rows_that_arrive_by_binary_COPY_too()
    {
        var valid = NewTrace();
        var broken = NewTrace();
        await using var connection = new NpgsqlConnection(db.Database);
        await connection.OpenAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var copy = await connection.BeginBinaryImportAsync(
                "copy dg_event_log (tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at, producer_id, source_system, actor_type, actor_id, idempotency_key, payload_json, payload_hash) from stdin (format binary)");
            // A valid trace first (the trigger must see rows earlier in the same COPY), then one with a gap.
            foreach (var (trace, seq, type) in new[] { (valid, 0, "TraceStarted"), (valid, 1, "TraceFinished"), (broken, 0, "TraceStarted"), (broken, 2, "InputObserved") })
            {
                await copy.StartRowAsync();
                await copy.WriteAsync("copy-tenant", NpgsqlDbType.Text);
                await copy.WriteAsync(Guid.NewGuid().ToString(), NpgsqlDbType.Text);
                await copy.WriteAsync(trace, NpgsqlDbType.Text);
                await copy.WriteAsync(seq, NpgsqlDbType.Integer);
                await copy.WriteAsync(type, NpgsqlDbType.Text);
                foreach (var text in new[] { "2025-03-03T06:00:00Z", "2025-03-03T06:00:00Z", "test", "test", "service", "test", Guid.NewGuid().ToString(), "{}", "-" })
                {
                    await copy.WriteAsync(text, NpgsqlDbType.Text);
                }
            }

            await copy.CompleteAsync();
        });

        AssertRuleViolation(error, "trace_seq_expected:1");
        Assert.Equal(0L, await SeedingPostgres.ScalarAsync<long>(db.Database, $"select count(*) from dg_event_log where trace_id in ('{valid}', '{broken}')"));
    }

    [Fact]
    public async Task a_checked_seed_passes_every_generated_event_through_the_trigger()
    {
        var database = await db.NewDatabaseAsync("checked");

        var report = await DecisionGraphSeeder.SeedAsync(database, new SeedOptions { Traces = 300, Seed = 3, CheckedLoad = true });

        Assert.Equal(SeedLoadModes.Checked, report.LoadMode);
        Assert.True(report.EventRows > 1000, $"only {report.EventRows} events");
        Assert.Equal(report.EventRows, await SeedingPostgres.ScalarAsync<long>(database, "select count(*) from dg_event_log"));
    }

    [Fact]
    public async Task a_role_that_may_not_bypass_the_trigger_seeds_with_it_firing()
    {
        var database = await db.NewDatabaseAsync("plain_role");
        var role = "seeder_" + Guid.NewGuid().ToString("N")[..8];
        var password = Guid.NewGuid().ToString("N");
        await SeedingPostgres.ExecuteAsync(database, $"create role {role} login password '{password}'; grant all on schema public to {role}");
        try
        {
            var asRole = new NpgsqlConnectionStringBuilder(database) { Username = role, Password = password }.ConnectionString;

            var report = await DecisionGraphSeeder.SeedAsync(asRole, new SeedOptions { Traces = 50 });

            Assert.Equal(SeedLoadModes.Checked, report.LoadMode);
            Assert.Equal(50L, await SeedingPostgres.ScalarAsync<long>(database, "select count(*) from dg_trace_summary"));
        }
        finally
        {
            await SeedingPostgres.ExecuteAsync(database, $"drop owned by {role}; drop role {role}");
        }
    }

    private static string NewTrace() => "trc_test_" + Guid.NewGuid().ToString("N");

    private static void AssertRuleViolation(PostgresException error, string expected)
    {
        // dg_validate_event_log_insert(): RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = '...' (no constraint name).
        Assert.Equal(RuleViolation, error.SqlState);
        Assert.Equal(expected, error.MessageText);
    }

    private async Task InsertAsync(string trace, int seq, string type)
    {
        await using var connection = new NpgsqlConnection(db.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            insert into dg_event_log (tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at,
                                      producer_id, source_system, actor_type, actor_id, idempotency_key, payload_json, payload_hash)
            values ('test-tenant', gen_random_uuid()::text, @trace, @seq, @type, '2025-03-03T06:00:00Z', '2025-03-03T06:00:00Z',
                    'test', 'test', 'service', 'test', gen_random_uuid()::text, '{}', '-')
            """, connection);
        command.Parameters.AddWithValue("trace", trace);
        command.Parameters.AddWithValue("seq", seq);
        command.Parameters.AddWithValue("type", type);
        await command.ExecuteNonQueryAsync();
    }
}
