using Npgsql;

namespace Ledger.Agent.Restores;

/// <summary>
/// DecisionGraph's schema as DgLedger knows it: the versions of its BEAM migrations
/// (beam/apps/dg_store/priv/repo/migrations/20260307000100..000600, recorded by Ecto in schema_migrations) and the tables
/// and columns the projection checks read.
/// </summary>
public static class DecisionGraphSchemaVersions
{
    public static readonly IReadOnlyList<long> Known =
        [20260307000100, 20260307000200, 20260307000300, 20260307000400, 20260307000500, 20260307000600];

    /// <summary>The projections with cursors (dg_projector/.../projector/support.ex @projection_names), in DecisionGraph's order.</summary>
    public static readonly IReadOnlyList<string> Projections = ["context_graph", "trace_summary", "precedent_index"];

    /// <summary>The digest row over all projections (projector/digests.ex compute_all/1, write.ex refresh_projection_digests!/1).</summary>
    public const string FullProjection = "full_projection";

    /// <summary>Every table and column the checks read; anything missing is named in a finding instead of failing a query.</summary>
    public static readonly IReadOnlyList<(string Table, string[] Columns)> Required =
    [
        ("dg_event_log", ["tenant_id", "log_seq", "trace_id", "recorded_at"]),
        ("dg_projection_cursors", ["tenant_id", "projection_name", "last_log_seq"]),
        ("dg_projection_digests", ["tenant_id", "projection_name", "digest_value", "last_log_seq"]),
        ("dg_projection_failures", ["tenant_id", "projection_name", "status", "log_seq"]),
        ("dg_projection_runs", ["job_id", "tenant_id", "status", "requested_at"]),
        ("dg_trace_summary", ["tenant_id", "trace_id", "last_log_seq"]),
        ("dg_workflow_items", ["tenant_id", "workflow_id", "status", "updated_at", "last_action_at"]),
    ];
}

/// <summary>What the database says about its own schema: a DecisionGraph one DgLedger knows, another one, or none.</summary>
public sealed record SchemaReading(bool IsDecisionGraph, bool Known, IReadOnlyList<long> Versions, IReadOnlyList<string> Problems)
{
    public static readonly SchemaReading NotDecisionGraph = new(false, false, [], ["no dg_event_log table: not a DecisionGraph database"]);
}

/// <summary>The head of one tenant's event log.</summary>
public sealed record TenantHead(string Tenant, long Head, long Events);

/// <summary>Where one projection of one tenant stands (dg_projection_cursors).</summary>
public sealed record ProjectionCursor(string Tenant, string Projection, long LastLogSeq);

/// <summary>One digest row (dg_projection_digests): its value and the position it was computed at.</summary>
public sealed record ProjectionDigest(string Tenant, string Projection, string DigestValue, long LastLogSeq);

/// <summary>Open projection failures (dg_projection_failures.status = 'open') of one projection of one tenant.</summary>
public sealed record OpenFailures(string Tenant, string Projection, long Count);

/// <summary>A replay job still queued or running (dg_projection_runs): after a restore nothing will finish it.</summary>
public sealed record OpenRun(string Tenant, string JobId, string Projection, string Mode, string Status, string RequestedAt);

/// <summary>DecisionGraph's projection state inside a database, as read after a restore.</summary>
public sealed record ProjectionState(
    SchemaReading Schema,
    IReadOnlyList<TenantHead> Heads,
    IReadOnlyList<ProjectionCursor> Cursors,
    IReadOnlyList<ProjectionDigest> Digests,
    IReadOnlyList<OpenFailures> Failures,
    IReadOnlyList<OpenRun> Runs)
{
    /// <summary>
    /// Reads schema_migrations and the catalog first. Only when every table and column the checks need is there does it
    /// read, per tenant, the event log's head, the cursors, the digests, the open failures and the open runs; otherwise
    /// it returns the schema reading alone, whose problems name what is missing.
    /// </summary>
    public static async Task<ProjectionState> ReadAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = await OpenAsync(connectionString, ct);
        var schema = await ReadSchemaAsync(connection, ct);
        if (!schema.IsDecisionGraph || schema.Problems.Count > 0)
        {
            return new ProjectionState(schema, [], [], [], [], []);
        }

        var heads = await QueryAsync(connection, "select tenant_id, max(log_seq), count(*) from dg_event_log group by tenant_id order by 1",
            r => new TenantHead(r.GetString(0), r.GetInt64(1), r.GetInt64(2)), ct);
        var cursors = await QueryAsync(connection, "select tenant_id, projection_name, last_log_seq from dg_projection_cursors order by 1, 2",
            r => new ProjectionCursor(r.GetString(0), r.GetString(1), r.GetInt64(2)), ct);
        var digests = await QueryAsync(connection,
            "select tenant_id, projection_name, digest_value, last_log_seq from dg_projection_digests order by 1, 2",
            r => new ProjectionDigest(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3)), ct);
        var failures = await QueryAsync(connection,
            "select tenant_id, projection_name, count(*) from dg_projection_failures where status = 'open' group by 1, 2 order by 1, 2",
            r => new OpenFailures(r.GetString(0), r.GetString(1), r.GetInt64(2)), ct);
        var runs = await QueryAsync(connection, """
            select tenant_id, job_id, projection_name, mode, status, requested_at from dg_projection_runs
            where status in ('queued', 'running') order by tenant_id, requested_at, job_id
            """, r => new OpenRun(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5)), ct);
        return new ProjectionState(schema, heads, cursors, digests, failures, runs);
    }

    /// <summary>
    /// The schema reading: a database without dg_event_log is not DecisionGraph's; one without schema_migrations, with
    /// versions DgLedger does not know (or without all of them), or without a table or column the checks read, has an
    /// unknown schema, and each problem says which.
    /// </summary>
    public static async Task<SchemaReading> ReadSchemaAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        if (!await ExistsAsync(connection, "dg_event_log", ct))
        {
            return SchemaReading.NotDecisionGraph;
        }

        var problems = new List<string>();
        var versions = new List<long>();
        if (await ExistsAsync(connection, "schema_migrations", ct))
        {
            versions = await QueryAsync(connection, "select version from schema_migrations order by 1", r => r.GetInt64(0), ct);
            var unknown = versions.Except(DecisionGraphSchemaVersions.Known).ToList();
            var missing = DecisionGraphSchemaVersions.Known.Except(versions).ToList();
            if (unknown.Count > 0)
            {
                problems.Add($"schema_migrations has version(s) DgLedger does not know: {string.Join(", ", unknown)} (known: up to {DecisionGraphSchemaVersions.Known[^1]})");
            }

            if (missing.Count > 0)
            {
                problems.Add($"schema_migrations lacks version(s) {string.Join(", ", missing)}");
            }
        }
        else
        {
            problems.Add("no schema_migrations table: the database was not made by DecisionGraph's migrations");
        }

        var columns = await QueryAsync(connection, """
            select c.relname, a.attname from pg_catalog.pg_attribute a
            join pg_catalog.pg_class c on c.oid = a.attrelid
            where c.oid = any (select pg_catalog.to_regclass(t)::oid from unnest($1::text[]) t where pg_catalog.to_regclass(t) is not null)
              and a.attnum > 0 and not a.attisdropped
            """, r => (Table: r.GetString(0), Column: r.GetString(1)), ct,
            new object[] { DecisionGraphSchemaVersions.Required.Select(t => t.Table).ToArray() });
        var present = columns.ToLookup(c => c.Table, c => c.Column);
        foreach (var (table, required) in DecisionGraphSchemaVersions.Required)
        {
            if (!present.Contains(table))
            {
                problems.Add($"missing table {table}");
                continue;
            }

            problems.AddRange(required.Where(c => !present[table].Contains(c)).Select(c => $"missing column {table}.{c}"));
        }

        return new SchemaReading(true, problems.Count == 0, versions, problems);
    }

    internal static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = "dgledger-agent",
            Pooling = false,
        }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, string table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select pg_catalog.to_regclass($1) is not null", connection) { Parameters = { new() { Value = table } } };
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    internal static async Task<List<T>> QueryAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct,
        params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}
