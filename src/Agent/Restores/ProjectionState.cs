using Npgsql;

namespace Ledger.Agent.Restores;

/// <summary>Which of DecisionGraph's event-log and projection tables a database has.</summary>
public sealed record ProjectionTables(bool EventLog, bool Cursors, bool Digests, bool Failures)
{
    public IReadOnlyList<string> Missing() =>
    [
        .. Cursors ? Array.Empty<string>() : ["dg_projection_cursors"],
        .. Digests ? Array.Empty<string>() : ["dg_projection_digests"],
        .. Failures ? Array.Empty<string>() : ["dg_projection_failures"],
    ];
}

/// <summary>The head of one tenant's event log.</summary>
public sealed record TenantHead(string Tenant, long Head, long Events);

/// <summary>Where one projection of one tenant stands.</summary>
public sealed record ProjectionCursor(string Tenant, string Projection, long LastLogSeq);

/// <summary>The newest digest of one projection of one tenant.</summary>
public sealed record ProjectionDigest(string Tenant, string Projection, long AtLogSeq);

/// <summary>Open (unresolved) projection failures of one tenant.</summary>
public sealed record OpenFailures(string Tenant, long Count);

/// <summary>DecisionGraph's projection state inside a database, as read after a restore.</summary>
public sealed record ProjectionState(
    ProjectionTables Tables,
    IReadOnlyList<TenantHead> Heads,
    IReadOnlyList<ProjectionCursor> Cursors,
    IReadOnlyList<ProjectionDigest> Digests,
    IReadOnlyList<OpenFailures> Failures)
{
    /// <summary>
    /// Reads the tables that exist: per tenant the event log's head, every projection cursor, the newest digest of each
    /// projection, and the open failures (<c>not resolved</c>, or <c>status = 'open'</c> where the table has a status).
    /// </summary>
    public static async Task<ProjectionState> ReadAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = "dgledger-agent",
            Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync(ct);

        var tables = new ProjectionTables(
            await ExistsAsync(connection, "dg_event_log", ct),
            await ExistsAsync(connection, "dg_projection_cursors", ct),
            await ExistsAsync(connection, "dg_projection_digests", ct),
            await ExistsAsync(connection, "dg_projection_failures", ct));
        if (!tables.EventLog)
        {
            return new ProjectionState(tables, [], [], [], []);
        }

        var heads = await ReadAsync(connection, "select tenant_id, max(log_seq), count(*) from dg_event_log group by tenant_id order by 1",
            r => new TenantHead(r.GetString(0), r.GetInt64(1), r.GetInt64(2)), ct);
        var cursors = tables.Cursors
            ? await ReadAsync(connection, "select tenant_id, projection_name, last_log_seq from dg_projection_cursors order by 1, 2",
                r => new ProjectionCursor(r.GetString(0), r.GetString(1), r.GetInt64(2)), ct)
            : [];
        var digests = tables.Digests
            ? await ReadAsync(connection, "select tenant_id, projection_name, max(at_log_seq) from dg_projection_digests group by 1, 2 order by 1, 2",
                r => new ProjectionDigest(r.GetString(0), r.GetString(1), r.GetInt64(2)), ct)
            : [];
        var failures = tables.Failures
            ? await ReadAsync(connection, $"select tenant_id, count(*) from dg_projection_failures where {await OpenFailureConditionAsync(connection, ct)} group by 1 order by 1",
                r => new OpenFailures(r.GetString(0), r.GetInt64(1)), ct)
            : [];
        return new ProjectionState(tables, heads, cursors, digests, failures);
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, string table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select pg_catalog.to_regclass($1) is not null", connection) { Parameters = { new() { Value = table } } };
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<string> OpenFailureConditionAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select a.attname from pg_catalog.pg_attribute a
            where a.attrelid = pg_catalog.to_regclass('dg_projection_failures') and a.attname in ('resolved', 'status') and not a.attisdropped
            """, connection);
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            columns.Add(reader.GetString(0));
        }

        return columns.Contains("resolved") ? "not resolved" : columns.Contains("status") ? "status = 'open'" : "true";
    }

    private static async Task<List<T>> ReadAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}
