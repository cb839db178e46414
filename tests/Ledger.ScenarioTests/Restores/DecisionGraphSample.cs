using Ledger.Testing.Postgres;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.ScenarioTests.Restores;

/// <summary>
/// A small database in DecisionGraph's shape (fixtures/decisiongraph/schema.sql) with healthy projections: two tenants,
/// traces that obey the trace rules, every projection cursor at its tenant's head with a digest there, and only
/// resolved projection failures.
/// </summary>
public static class DecisionGraphSample
{
    public const int TracesPerTenant = 15;
    public const int EventsPerTrace = 4;
    public static readonly IReadOnlyList<string> Tenants = ["acme", "default"];

    public static async Task<string> CreateAsync(PostgresInstance postgres, string name)
    {
        var connectionString = await postgres.CreateDatabaseAsync(name);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, await File.ReadAllTextAsync(SchemaPath()));
        for (var seq = 0; seq < EventsPerTrace; seq++)
        {
            // One position at a time, so the trace rules' trigger always finds the predecessor.
            await ExecuteAsync(connection, $"""
                insert into dg_event_log (tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at, producer,
                                          source_system, actor_type, payload_json, payload_hash)
                select tenant, md5(tenant || '-' || t || '-' || {seq})::uuid, 'trace-' || t, {seq},
                       case {seq} when 0 then 'TraceStarted' when {EventsPerTrace - 1} then 'TraceFinished' else 'PolicyEvaluated' end,
                       '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 'seed', 'dgledger-tests', 'system', p.json,
                       encode(sha256(convert_to(p.json, 'UTF8')), 'hex')
                from unnest(array['{string.Join("','", Tenants)}']) tenant, generate_series(1, {TracesPerTenant}) t,
                     lateral (select json_build_object('tenant', tenant, 'trace', t, 'step', {seq}, 'note', 'café "q"')::text as json) p
                order by tenant, t
                """);
        }

        await ExecuteAsync(connection, """
            insert into dg_projection_cursors (tenant_id, projection_name, last_log_seq, events_applied, updated_at)
            select tenant_id, p, max(log_seq), count(*), '2026-01-01T06:00:00Z'
            from dg_event_log, unnest(array['trace_summary', 'cg_nodes']) p
            group by tenant_id, p;

            insert into dg_projection_digests (tenant_id, projection_name, at_log_seq, digest, events_covered, computed_at)
            select c.tenant_id, c.projection_name, c.last_log_seq,
                   sha256(convert_to((select string_agg(e.payload_hash, '' order by e.log_seq) from dg_event_log e
                                      where e.tenant_id = c.tenant_id and e.log_seq <= c.last_log_seq), 'UTF8')),
                   c.events_applied, '2026-01-01T06:00:00Z'
            from dg_projection_cursors c;

            insert into dg_projection_failures (tenant_id, projection_name, log_seq, error_class, error_message, failed_at, attempts, resolved)
            values ('acme', 'cg_nodes', 3, 'Timeout', 'resolved long ago', '2026-01-01T03:00:00Z', 2, true);
            """);
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

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
