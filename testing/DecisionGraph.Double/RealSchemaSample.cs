using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace DecisionGraph.Double;

/// <summary>
/// A small, deterministic DecisionGraph database on the real schema (fixtures/decisiongraph/schema.sql), in the state a
/// running DecisionGraph leaves it: traces that obey dg_validate_event_log_insert() (TraceStarted at 0, contiguous
/// trace_seq, nothing after TraceFinished), payload_hash = "sha256:" + hex of the canonical payload_json, projections
/// caught up (cursors and digests at each tenant's head, a full_projection digest), one resolved failure, one completed
/// replay run, and workflow items with their actions and notifications. Helpers put it in the states DecisionGraph's
/// runbooks talk about: events newer than the projections, an open projection failure.
/// </summary>
public static class RealSchemaSample
{
    public static readonly IReadOnlyList<string> Tenants = ["acme", "default"];

    public const int TracesPerTenant = 3;

    private static readonly DateTimeOffset Epoch = new(2026, 3, 7, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Creates the schema (the fixture at <paramref name="schemaPath"/>) and the sample rows.</summary>
    public static async Task CreateAsync(string connectionString, string schemaPath, bool overdueWorkflow = false)
    {
        await using var connection = await OpenAsync(connectionString);
        await Exec(connection, await File.ReadAllTextAsync(schemaPath));
        var clock = 0;
        foreach (var tenant in Tenants)
        {
            for (var t = 1; t <= TracesPerTenant; t++)
            {
                var traceId = $"trace-{tenant}-{t:D3}";
                var finished = t < TracesPerTenant;
                var withException = t == 1;
                var started = await AppendAsync(connection, tenant, traceId, 0, "TraceStarted",
                    $$"""{"primary_entity":{"entity_id":"{{tenant}}-{{t}}","entity_type":"contract","system":"crm"},"title":"Renewal {{t}}","workflow":"renewal"}""", ++clock);
                await AppendAsync(connection, tenant, traceId, 1, "PolicyEvaluated",
                    """{"policy":{"policy_id":"discount-cap","policy_version":"3"},"result":"allow"}""", ++clock);
                var last = 2;
                if (withException)
                {
                    await AppendAsync(connection, tenant, traceId, last++, "ExceptionRequested",
                        """{"exception_id":"ex-1","policy":{"policy_id":"discount-cap","policy_version":"3"},"reason":"strategic account"}""", ++clock);
                }

                long lastSeq;
                if (finished)
                {
                    lastSeq = (await AppendAsync(connection, tenant, traceId, last++, "TraceFinished", """{"outcome":"approved"}""", ++clock)).LogSeq;
                }
                else
                {
                    lastSeq = (await AppendAsync(connection, tenant, traceId, last++, "ActionProposed", """{"action":"send_offer"}""", ++clock)).LogSeq;
                }

                await Exec(connection, """
                    insert into dg_trace_summary (tenant_id, trace_id, workflow, title, primary_entity_type, primary_entity_system,
                                                  primary_entity_id, outcome, started_at, finished_at, event_count, last_log_seq)
                    values ($1, $2, 'renewal', $3, 'contract', 'crm', $4, $5, $6, $7, $8, $9)
                    """, tenant, traceId, $"Renewal {t}", $"{tenant}-{t}", finished ? "approved" : null, At(started.Clock),
                    finished ? At(clock) : null, last, lastSeq);
                if (withException)
                {
                    await AddWorkflowAsync(connection, tenant, traceId, overdueWorkflow, clock);
                }
            }

            await CatchUpAsync(connection, tenant, At(++clock));
            await Exec(connection, """
                insert into dg_projection_failures (id, tenant_id, projection_name, log_seq, trace_id, event_id, error_code, error_message,
                                                    recoverable, retry_count, status, metadata_json, recorded_at, resolved_at)
                values ($1, $2, 'trace_summary', 1, $3, $4, 'storage', 'Projection runtime error: timeout', true, 1, 'resolved',
                        '{"processed_events":0,"recoverable":true}', $5, $6)
                """, DeterministicGuid(tenant + "-failure"), tenant, $"trace-{tenant}-001", $"evt-{tenant}-trace-{tenant}-001-0",
                At(3), At(4));
            await Exec(connection, """
                insert into dg_projection_runs (job_id, tenant_id, projection_name, mode, status, requested_at, started_at, finished_at,
                                                since_log_seq, until_log_seq, processed_events, last_log_seq, metadata_json)
                values ($1, $2, 'all', 'catch_up', 'completed', $3, $4, $5, 0, null, 12, $6, '{"reason":"nightly"}')
                """, $"replay-{(tenant == "acme" ? 1 : 2)}", tenant, At(clock), At(clock) , At(clock + 1),
                await HeadAsync(connection, tenant));
            await Exec(connection,
                "insert into dg_workflow_runtime (tenant_id, last_log_seq, updated_at) values ($1, $2, $3)",
                tenant, await HeadAsync(connection, tenant), At(clock));
        }
    }

    /// <summary>
    /// Appends a new, unfinished trace of <paramref name="events"/> events to the tenant's log without moving any
    /// projection: DecisionGraph's state after writes that no projection worker has caught up with yet. Returns the
    /// log_seq of the first appended event.
    /// </summary>
    public static async Task<long> AppendUnprojectedTraceAsync(string connectionString, string tenant, string traceId, int events, DateTimeOffset recordedAt)
    {
        await using var connection = await OpenAsync(connectionString);
        long first = 0;
        for (var seq = 0; seq < events; seq++)
        {
            var (logSeq, _) = await AppendAsync(connection, tenant, traceId, seq, seq == 0 ? "TraceStarted" : "InputObserved",
                seq == 0 ? """{"title":"Late trace","workflow":"renewal"}""" : $$"""{"input":{{seq}}}""", 0, recordedAt.AddMilliseconds(seq));
            first = seq == 0 ? logSeq : first;
        }

        return first;
    }

    /// <summary>
    /// An open projection failure at <paramref name="logSeq"/> for <paramref name="projection"/>: what
    /// projector/write.ex record_failure!/5 writes when an event cannot be projected (the cursor stays before it).
    /// </summary>
    public static async Task AddOpenFailureAsync(string connectionString, string tenant, string projection, long logSeq, bool recoverable)
    {
        await using var connection = await OpenAsync(connectionString);
        var eventRow = await Query(connection, "select trace_id, event_id from dg_event_log where log_seq = $1", logSeq);
        await Exec(connection, """
            insert into dg_projection_failures (id, tenant_id, projection_name, log_seq, trace_id, event_id, error_code, error_message,
                                                recoverable, retry_count, status, metadata_json, recorded_at)
            values ($1, $2, $3, $4, $5, $6, 'schema_violation', 'PolicyEvaluated requires policy_id and policy_version', $7, 0, 'open',
                    '{"processed_events":0,"recoverable":false}', $8)
            """, DeterministicGuid($"{tenant}-{projection}-{logSeq}"), tenant, projection, logSeq, eventRow[0], eventRow[1], recoverable,
            Rfc(DateTimeOffset.UtcNow));
    }

    private static async Task AddWorkflowAsync(NpgsqlConnection connection, string tenant, string traceId, bool overdue, int clock)
    {
        var workflowId = $"{traceId}:exception:ex-1";
        var requestEvent = $"evt-{tenant}-{traceId}-2";
        var sla = overdue ? At(clock + 2) : Rfc(DateTimeOffset.UtcNow.AddYears(5));
        await Exec(connection, """
            insert into dg_workflow_items (workflow_id, tenant_id, trace_id, workflow_kind, workflow_name, subject_type, subject_id,
                                           status, priority, title, policy_id, policy_version, requested_by_actor_id,
                                           requested_by_actor_type, assigned_account_id, assigned_role, requested_at, sla_due_at,
                                           updated_at, last_action_type, last_action_at, current_reason, created_from_event_id,
                                           last_source_log_seq, metadata_json)
            values ($1, $2, $3, 'exception_review', 'renewal', 'exception', 'ex-1', 'requested', 'high', 'Renewal 1',
                    'discount-cap', '3', 'agent-7', 'agent', null, 'admin', $4, $5, $4, 'requested', $4, 'strategic account', $6,
                    (select log_seq from dg_event_log where event_id = $6), '{"exception_reason":"strategic account"}')
            """, workflowId, tenant, traceId, At(clock), sla, requestEvent);
        await Exec(connection, """
            insert into dg_workflow_actions (action_id, tenant_id, workflow_id, trace_id, action_type, actor_id, actor_type, note,
                                             payload_json, source_event_id, resulting_status, created_at)
            values ($1, $2, $3, $4, 'requested', 'agent-7', 'agent', 'strategic account', '{"exception_id":"ex-1"}', $5, 'requested', $6)
            """, "wfa:event:" + requestEvent, tenant, workflowId, traceId, requestEvent, At(clock));
        await Exec(connection, """
            insert into dg_workflow_notifications (notification_id, tenant_id, workflow_id, trace_id, category, message,
                                                   recipient_role, payload_json, dedupe_key, created_at, delivered_at)
            values ($1, $2, $3, $4, 'assignment', $5, 'admin', '{"source":"exception_requested"}', $6, $7, $7)
            """, $"wfn:{tenant}:1", tenant, workflowId, traceId, $"Workflow {workflowId} assigned to role admin",
            $"assignment:{workflowId}:admin", At(clock));
    }

    /// <summary>Cursors and digests at the tenant's head, as write.ex project_batch/4 leaves them after the last batch.</summary>
    private static async Task CatchUpAsync(NpgsqlConnection connection, string tenant, string at)
    {
        var head = await HeadAsync(connection, tenant);
        foreach (var name in new[] { "context_graph", "trace_summary", "precedent_index", "full_projection" })
        {
            if (name != "full_projection")
            {
                await Exec(connection,
                    "insert into dg_projection_cursors (tenant_id, projection_name, last_log_seq, updated_at) values ($1, $2, $3, $4)",
                    tenant, name, head, at);
            }

            await Exec(connection, """
                insert into dg_projection_digests (tenant_id, projection_name, digest_value, last_log_seq, updated_at)
                values ($1, $2, $3, $4, $5)
                """, tenant, name, "sha256:" + Hex($"{tenant}/{name}/{head}"), head, at);
        }
    }

    private static async Task<(long LogSeq, int Clock)> AppendAsync(
        NpgsqlConnection connection, string tenant, string traceId, int seq, string type, string payload, int clock, DateTimeOffset? recordedAt = null)
    {
        var recorded = recordedAt is { } r ? Rfc(r) : At(clock);
        var logSeq = Convert.ToInt64(await Scalar(connection, """
            insert into dg_event_log (tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at, producer_id,
                                      source_system, source_subsystem, actor_type, actor_id, correlation_id, idempotency_key,
                                      schema_version, payload_json, payload_hash, tags_json)
            values ($1, $2, $3, $4, $5, $6, $7, 'crm-sync', 'crm', 'renewals', 'agent', 'agent-7', $3, $8, 1, $9, $10, '[]')
            returning log_seq
            """, tenant, $"evt-{tenant}-{traceId}-{seq}", traceId, seq, type, recorded, recorded, $"{traceId}:{seq}", payload,
            "sha256:" + Hex(payload)));
        return (logSeq, clock);
    }

    /// <summary>Timestamps with fractions of varying length, as sql.ex now_rfc3339/1 writes them.</summary>
    private static string At(int clock) => Rfc(Epoch.AddSeconds(clock * 7).AddTicks(clock % 3 == 0 ? 0 : clock % 3 == 1 ? 1_200_000 : 1_234_560));

    private static string Rfc(DateTimeOffset at) => Contract.Rfc3339(at);

    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static Guid DeterministicGuid(string seed) => new(MD5.HashData(Encoding.UTF8.GetBytes(seed)));

    private static async Task<long> HeadAsync(NpgsqlConnection connection, string tenant) =>
        Convert.ToInt64(await Scalar(connection, "select coalesce(max(log_seq), 0) from dg_event_log where tenant_id = $1", tenant), CultureInfo.InvariantCulture);

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task Exec(NpgsqlConnection connection, string sql, params object?[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql, params object?[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<string[]> Query(NpgsqlConnection connection, string sql, params object?[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException("No row for: " + sql);
        }

        return [.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i).ToString() ?? "")];
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
}
