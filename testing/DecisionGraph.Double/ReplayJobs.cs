using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace DecisionGraph.Double;

/// <summary>
/// The replay coordinator: beam/apps/dg_projector/lib/decision_graph/projector/replay/coordinator.ex (one job per
/// (tenant, projection-or-all) scope, job ids <c>"replay-" &lt;&gt; unique positive integer</c>, a second job for a
/// busy scope refused with :conflict "A replay job is already running for tenant/:projection"), the durable run rows of
/// projector/admin.ex (create_run!/4 'queued', mark_run_running!/1, mark_run_completed!/3, mark_run_failed!/4,
/// mark_run_cancelled!/3) and the catch-up of projector/write.ex catch_up/2.
/// <para>
/// What the double does not do: it does not re-project rows (dg_cg_*, dg_trace_summary, dg_precedent_index,
/// dg_policy_eval_index) and keeps an existing digest_value instead of re-hashing the projection's rows
/// (projector/digests.ex). It moves cursors, run rows, failures and digest positions exactly as a job would, which is
/// all a restore verification observes.
/// </para>
/// </summary>
internal sealed class ReplayJobs(Store store, DoubleOptions options, DoubleFaults faults)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Tenant, string Scope), string> _scopes = [];
    private readonly Dictionary<string, CancellationTokenSource> _running = [];
    private long _unique = 1000;

    /// <summary>Jobs started and not yet finished.</summary>
    public int Active
    {
        get
        {
            lock (_gate)
            {
                return _running.Count;
            }
        }
    }

    /// <summary>coordinator.ex handle_call {:start_job, ...}: the run row is written 'queued' and returned at once; the job runs on.</summary>
    public async Task<Dictionary<string, object?>> StartAsync(
        string tenant, string projection, string mode, long? since, long? until, Dictionary<string, object?> metadata, CancellationToken ct)
    {
        string jobId;
        var cancel = new CancellationTokenSource();
        lock (_gate)
        {
            if (_scopes.ContainsKey((tenant, projection)))
            {
                cancel.Dispose();
                throw new DgErrorException(DgError.Conflict($"A replay job is already running for {tenant}/:{projection}"));
            }

            jobId = "replay-" + Interlocked.Increment(ref _unique);
            _scopes[(tenant, projection)] = jobId;
            _running[jobId] = cancel;
        }

        try
        {
            await using var connection = await store.OpenAsync(ct);
            await Store.ExecuteAsync(connection, """
                INSERT INTO dg_projection_runs (job_id, tenant_id, projection_name, mode, status, requested_at,
                                                since_log_seq, until_log_seq, metadata_json)
                VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8)
                """, ct, jobId, tenant, projection, mode, Contract.Rfc3339(DateTimeOffset.UtcNow), since ?? 0L, until,
                CanonicalJson(metadata));
            var run = await GetRunAsync(connection, jobId, ct)
                ?? throw new DgErrorException(DgError.Internal("run row vanished"));
            _ = Task.Run(() => RunAsync(jobId, tenant, projection, mode, cancel.Token), CancellationToken.None);
            return run;
        }
        catch
        {
            Forget(jobId, tenant, projection);
            throw;
        }
    }

    /// <summary>coordinator.ex handle_call {:cancel, job_id}: only a job still in memory can be cancelled; else :not_found.</summary>
    public async Task CancelAsync(string jobId, CancellationToken ct)
    {
        CancellationTokenSource? cancel;
        lock (_gate)
        {
            _running.TryGetValue(jobId, out cancel);
        }

        if (cancel is null)
        {
            throw new DgErrorException(DgError.NotFound($"Replay job not found: {jobId}"));
        }

        await cancel.CancelAsync();
        for (var i = 0; i < 100 && Running(jobId); i++)
        {
            await Task.Delay(20, ct);
        }
    }

    private bool Running(string jobId)
    {
        lock (_gate)
        {
            return _running.ContainsKey(jobId);
        }
    }

    /// <summary>admin.ex get_run/1: the run row with every column, metadata_json as stored text.</summary>
    public static async Task<Dictionary<string, object?>?> GetRunAsync(NpgsqlConnection connection, string jobId, CancellationToken ct) =>
        (await Store.QueryAsync(connection, """
            SELECT job_id, tenant_id, projection_name, mode, status, requested_at, started_at, finished_at,
                   since_log_seq, until_log_seq, processed_events, last_log_seq, error_code, error_message,
                   metadata_json
            FROM dg_projection_runs
            WHERE job_id = $1
            LIMIT 1
            """, ct, jobId)).FirstOrDefault();

    private async Task RunAsync(string jobId, string tenant, string projection, string mode, CancellationToken ct)
    {
        long processed = 0, lastLogSeq = 0;
        try
        {
            await using var connection = await store.OpenAsync(CancellationToken.None);
            await Store.ExecuteAsync(connection,
                "UPDATE dg_projection_runs SET status = 'running', started_at = COALESCE(started_at, $2) WHERE job_id = $1",
                CancellationToken.None, jobId, Contract.Rfc3339(DateTimeOffset.UtcNow));
            try
            {
                await Task.Delay(options.JobDuration, ct);
                if (faults.FailReplays)
                {
                    throw new JobFailed("storage", "Projection runtime error: the replay worker crashed");
                }

                var names = projection == "all" ? Store.ProjectionNames : [projection];
                foreach (var name in names)
                {
                    if (mode == "rebuild")
                    {
                        await ClearAsync(connection, tenant, name);
                    }

                    var (count, at) = await CatchUpAsync(connection, tenant, name);
                    processed += count;
                    lastLogSeq = at;
                }

                await Store.ExecuteAsync(connection, """
                    UPDATE dg_projection_runs SET status = 'completed', finished_at = $2, processed_events = $3,
                           last_log_seq = $4, error_code = NULL, error_message = NULL
                    WHERE job_id = $1
                    """, CancellationToken.None, jobId, Contract.Rfc3339(DateTimeOffset.UtcNow), (int)processed, lastLogSeq);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await Store.ExecuteAsync(connection, """
                    UPDATE dg_projection_runs SET status = 'cancelled', finished_at = $2, processed_events = $3, last_log_seq = $4
                    WHERE job_id = $1
                    """, CancellationToken.None, jobId, Contract.Rfc3339(DateTimeOffset.UtcNow), (int)processed, lastLogSeq);
            }
            catch (JobFailed failed)
            {
                await Store.ExecuteAsync(connection, """
                    UPDATE dg_projection_runs SET status = 'failed', finished_at = $2, processed_events = $3,
                           last_log_seq = $4, error_code = $5, error_message = $6
                    WHERE job_id = $1
                    """, CancellationToken.None, jobId, Contract.Rfc3339(DateTimeOffset.UtcNow), (int)(processed + failed.Processed),
                    failed.LastLogSeq ?? lastLogSeq, failed.Code, failed.Message);
            }
        }
        catch (Exception) when (faults.DatabaseDown)
        {
            // The database went away under the job: the run row keeps its last state, as after a crash.
        }
        finally
        {
            Forget(jobId, tenant, projection);
        }
    }

    /// <summary>
    /// write.ex catch_up/2 for one projection: events after the cursor are projected in order; the cursor moves to the
    /// last one, open failures at or before it are resolved (resolve_failures!/3) and the digest rows are refreshed
    /// (refresh_projection_digests!/1: one per projection at its cursor, full_projection at the smallest cursor).
    /// An event that fails to project stops the job: the double treats an open, non-recoverable failure after the
    /// cursor as such an event (the cursor stops just before it and the job fails with the failure's error_code).
    /// </summary>
    private static async Task<(long Processed, long LastLogSeq)> CatchUpAsync(NpgsqlConnection connection, string tenant, string projection)
    {
        var ct = CancellationToken.None;
        var cursor = await Store.CursorAsync(connection, tenant, projection, ct);
        var head = await Store.LastLogSeqAsync(connection, tenant, ct);
        var blocking = (await Store.QueryAsync(connection, """
            SELECT log_seq, error_code, error_message FROM dg_projection_failures
            WHERE tenant_id = $1 AND projection_name = $2 AND status = 'open' AND NOT recoverable AND log_seq > $3
            ORDER BY log_seq LIMIT 1
            """, ct, tenant, projection, cursor)).FirstOrDefault();
        var until = blocking is null ? head : Math.Min(head, Convert.ToInt64(blocking["log_seq"]) - 1);
        var processed = Convert.ToInt64(await Store.ScalarAsync(connection,
            "SELECT COUNT(*) FROM dg_event_log WHERE tenant_id = $1 AND log_seq > $2 AND log_seq <= $3", ct, tenant, cursor, until));
        if (processed > 0)
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await Store.PutCursorAsync(connection, tenant, projection, until, ct);
            await Store.ExecuteAsync(connection, """
                UPDATE dg_projection_failures SET status = 'resolved', resolved_at = $4
                WHERE tenant_id = $1 AND projection_name = $2 AND status = 'open' AND log_seq <= $3
                """, ct, tenant, projection, until, Contract.Rfc3339(DateTimeOffset.UtcNow));
            await RefreshDigestsAsync(connection, tenant, ct);
            await tx.CommitAsync(ct);
        }

        if (blocking is not null)
        {
            throw new JobFailed((string)blocking["error_code"]!, (string)blocking["error_message"]!, processed, until);
        }

        return (processed, Math.Max(until, cursor));
    }

    /// <summary>write.ex clear_projection/2 as far as the double goes: cursor to 0, the projection's failures deleted, digests refreshed.</summary>
    private static async Task ClearAsync(NpgsqlConnection connection, string tenant, string projection)
    {
        var ct = CancellationToken.None;
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Store.PutCursorAsync(connection, tenant, projection, 0, ct);
        await Store.ExecuteAsync(connection, "DELETE FROM dg_projection_failures WHERE tenant_id = $1 AND projection_name = $2", ct, tenant, projection);
        await RefreshDigestsAsync(connection, tenant, ct);
        await tx.CommitAsync(ct);
    }

    private static async Task RefreshDigestsAsync(NpgsqlConnection connection, string tenant, CancellationToken ct)
    {
        var now = Contract.Rfc3339(DateTimeOffset.UtcNow);
        var cursors = new List<long>();
        foreach (var name in Store.ProjectionNames)
        {
            var cursor = await Store.CursorAsync(connection, tenant, name, ct);
            cursors.Add(cursor);
            await UpsertDigestAsync(connection, tenant, name, cursor, now, ct);
        }

        await UpsertDigestAsync(connection, tenant, "full_projection", cursors.Min(), now, ct);
    }

    private static Task UpsertDigestAsync(NpgsqlConnection connection, string tenant, string name, long cursor, string now, CancellationToken ct) =>
        Store.ExecuteAsync(connection, """
            INSERT INTO dg_projection_digests (tenant_id, projection_name, digest_value, last_log_seq, updated_at)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (tenant_id, projection_name) DO UPDATE
            SET last_log_seq = EXCLUDED.last_log_seq, updated_at = EXCLUDED.updated_at
            """, ct, tenant, name, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{tenant}:{name}:{cursor}"))), cursor, now);

    private void Forget(string jobId, string tenant, string projection)
    {
        lock (_gate)
        {
            _scopes.Remove((tenant, projection));
            if (_running.Remove(jobId, out var cancel))
            {
                cancel.Dispose();
            }
        }
    }

    /// <summary>DecisionGraph stores metadata as canonical JSON (admin.ex create_run!/4: CanonicalJson.canonicalize!/1): keys sorted, no spaces.</summary>
    internal static string CanonicalJson(object? value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, value);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case IDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, item);
                }

                writer.WriteEndObject();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case System.Collections.IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            default:
                writer.WriteRawValue(JsonSerializer.Serialize(value));
                break;
        }
    }

    private sealed class JobFailed(string code, string message, long processed = 0, long? lastLogSeq = null) : Exception(message)
    {
        public string Code { get; } = code;

        public long Processed { get; } = processed;

        public long? LastLogSeq { get; } = lastLogSeq;
    }
}
