using DecisionGraph.Double;
using Ledger.Testing.Postgres;
using Npgsql;

namespace Ledger.ScenarioTests.Restores;

/// <summary>
/// DecisionGraph databases on the real schema (fixtures/decisiongraph/schema.sql) in the states a restore must tell
/// apart: healthy, projections behind, an open failure, and a schema DgLedger does not know.
/// </summary>
public static class DecisionGraphSources
{
    public static readonly IReadOnlyList<string> Tenants = RealSchemaSample.Tenants;

    /// <summary>When the late events were recorded: after every row of the sample.</summary>
    public static readonly DateTimeOffset LateEvents = new(2026, 3, 8, 0, 0, 0, 250, TimeSpan.Zero);

    /// <summary>Caught up, with an overdue workflow item: any DecisionGraph workflow or console read escalates it (a write).</summary>
    public static async Task<string> HealthyAsync(PostgresInstance pg, string name, string schema)
    {
        var connectionString = await pg.CreateDatabaseAsync(name);
        await RealSchemaSample.CreateAsync(connectionString, schema, overdueWorkflow: true);
        return connectionString;
    }

    /// <summary>Three events of a new trace that no projection has seen: every projection of tenant default is behind.</summary>
    public static async Task<string> BehindAsync(PostgresInstance pg, string name, string schema)
    {
        var connectionString = await HealthyAsync(pg, name, schema);
        await RealSchemaSample.AppendUnprojectedTraceAsync(connectionString, "default", "trace-late", 3, LateEvents);
        return connectionString;
    }

    /// <summary>Behind, and trace_summary could not project the first late event: an open, non-recoverable failure.</summary>
    public static async Task<string> FailingAsync(PostgresInstance pg, string name, string schema)
    {
        var connectionString = await HealthyAsync(pg, name, schema);
        var first = await RealSchemaSample.AppendUnprojectedTraceAsync(connectionString, "default", "trace-bad", 2, LateEvents);
        await RealSchemaSample.AddOpenFailureAsync(connectionString, "default", "trace_summary", first, recoverable: false);
        return connectionString;
    }

    /// <summary>A migration DgLedger has never seen, which renamed dg_projection_digests.digest_value.</summary>
    public static async Task<string> UnknownSchemaAsync(PostgresInstance pg, string name, string schema)
    {
        var connectionString = await HealthyAsync(pg, name, schema);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            insert into schema_migrations (version, inserted_at) values (20260401000100, '2026-04-01 00:00:00');
            alter table dg_projection_digests rename column digest_value to digest_hex;
            """, connection);
        await command.ExecuteNonQueryAsync();
        return connectionString;
    }

    /// <summary>fixtures/decisiongraph/schema.sql, found by walking up from the test binaries to the repository root.</summary>
    public static string SchemaPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "fixtures", "decisiongraph", "schema.sql");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("fixtures/decisiongraph/schema.sql was not found above " + AppContext.BaseDirectory);
    }
}
