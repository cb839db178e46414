using Npgsql;

namespace DecisionGraph.Double;

/// <summary>SQL access to the database the double serves, the way DecisionGraph's modules read and write it.</summary>
internal sealed class Store(Func<string> connectionString, DoubleFaults faults)
{
    /// <summary>projector/support.ex @projection_names, in this order.</summary>
    public static readonly string[] ProjectionNames = ["context_graph", "trace_summary", "precedent_index"];

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        if (faults.DatabaseDown)
        {
            // store.ex ensure_repo_started!/0 raises Error :storage when the repo cannot start.
            throw new DgErrorException(DgError.Storage("Failed to start repo: connection refused"));
        }

        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString())
        {
            Pooling = false,
            Timeout = 5,
            ApplicationName = "decisiongraph-double",
        }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (NpgsqlException e)
        {
            await connection.DisposeAsync();
            throw new DgErrorException(DgError.Storage("Failed to start repo: " + e.Message));
        }
    }

    public static async Task<List<Dictionary<string, object?>>> QueryAsync(
        NpgsqlConnection connection, string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync(ct))
        {
            var row = new Dictionary<string, object?>(reader.FieldCount);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        var value = await command.ExecuteScalarAsync(ct);
        return value is DBNull ? null : value;
    }

    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return command;
    }

    /// <summary>store.ex get_last_log_seq/1: <c>SELECT COALESCE(MAX(log_seq), 0) FROM dg_event_log WHERE tenant_id = ?</c>.</summary>
    public static async Task<long> LastLogSeqAsync(NpgsqlConnection connection, string tenant, CancellationToken ct) =>
        Convert.ToInt64(await ScalarAsync(connection, "SELECT COALESCE(MAX(log_seq), 0) FROM dg_event_log WHERE tenant_id = $1", ct, tenant));

    /// <summary>store.ex get_projection_cursor/2: the cursor's last_log_seq, 0 when there is no row.</summary>
    public static async Task<long> CursorAsync(NpgsqlConnection connection, string tenant, string projection, CancellationToken ct) =>
        Convert.ToInt64(await ScalarAsync(connection,
            "SELECT last_log_seq FROM dg_projection_cursors WHERE tenant_id = $1 AND projection_name = $2 LIMIT 1", ct, tenant, projection) ?? 0L);

    /// <summary>store.ex put_projection_cursor/3 (upsert on (tenant_id, projection_name), updated_at now).</summary>
    public static Task PutCursorAsync(NpgsqlConnection connection, string tenant, string projection, long lastLogSeq, CancellationToken ct) =>
        ExecuteAsync(connection, """
            INSERT INTO dg_projection_cursors (tenant_id, projection_name, last_log_seq, updated_at)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (tenant_id, projection_name)
            DO UPDATE SET last_log_seq = EXCLUDED.last_log_seq, updated_at = EXCLUDED.updated_at
            """, ct, tenant, projection, lastLogSeq, Contract.Rfc3339(DateTimeOffset.UtcNow));

    /// <summary>
    /// dg_projector/lib/decision_graph/projector/admin.ex projection_health/1, field by field: tenant_id,
    /// event_log_last_seq, projections (one per projection name: projection_name, last_log_seq = the cursor,
    /// pending_events = max(head - cursor, 0), is_stale = cursor &lt; head, updated_at and digest from
    /// dg_projection_digests, open_failures = count of status 'open'), open_runs (queued or running, oldest first) and
    /// full_digest (the 'full_projection' digest row).
    /// </summary>
    public static async Task<Dictionary<string, object?>> ProjectionHealthAsync(NpgsqlConnection connection, string tenant, CancellationToken ct)
    {
        var head = await LastLogSeqAsync(connection, tenant, ct);
        var digests = (await QueryAsync(connection,
                "SELECT projection_name, digest_value, last_log_seq, updated_at FROM dg_projection_digests WHERE tenant_id = $1", ct, tenant))
            .ToDictionary(r => (string)r["projection_name"]!);
        var failures = (await QueryAsync(connection, """
                SELECT projection_name, COUNT(*) AS failure_count FROM dg_projection_failures
                WHERE tenant_id = $1 AND status = 'open' GROUP BY projection_name
                """, ct, tenant))
            .ToDictionary(r => (string)r["projection_name"]!, r => Convert.ToInt64(r["failure_count"]));
        var projections = new List<Dictionary<string, object?>>();
        foreach (var name in ProjectionNames)
        {
            var cursor = await CursorAsync(connection, tenant, name, ct);
            digests.TryGetValue(name, out var digest);
            projections.Add(new Dictionary<string, object?>
            {
                ["projection_name"] = name,
                ["last_log_seq"] = cursor,
                ["pending_events"] = Math.Max(head - cursor, 0),
                ["is_stale"] = cursor < head,
                ["updated_at"] = digest?["updated_at"],
                ["digest"] = digest?["digest_value"],
                ["open_failures"] = failures.GetValueOrDefault(name),
            });
        }

        var openRuns = await QueryAsync(connection, """
            SELECT job_id, projection_name, mode, status, requested_at, started_at,
                   processed_events, last_log_seq, until_log_seq
            FROM dg_projection_runs
            WHERE tenant_id = $1 AND status IN ('queued', 'running')
            ORDER BY requested_at ASC
            """, ct, tenant);
        return new Dictionary<string, object?>
        {
            ["tenant_id"] = tenant,
            ["event_log_last_seq"] = head,
            ["projections"] = projections,
            ["open_runs"] = openRuns,
            ["full_digest"] = digests.TryGetValue("full_projection", out var full) ? full["digest_value"] : null,
        };
    }
}
