using System.Text.Json;
using Npgsql;

namespace DecisionGraph.Double;

/// <summary>
/// Workflow reads, from beam/apps/dg_api/lib/decision_graph/api/workflows.ex. Every read first runs
/// refresh_runtime!/1, which <b>writes</b>: it upserts the tenant's dg_workflow_runtime row and advances its
/// last_log_seq over the managed event types (ApprovalRecorded, ExceptionRequested, WorkflowReviewRequested), then runs
/// the notification and SLA sweep (run_notification_and_sla_sweep!/2), which escalates open items whose sla_due_at has
/// passed (maybe_auto_escalate!/3, comparing the RFC 3339 texts as DecisionGraph does) and records the escalation.
/// The double advances the runtime cursor without re-deriving items from the events.
/// </summary>
internal static class Workflows
{
    /// <summary>workflows.ex @open_statuses and @terminal_statuses.</summary>
    public static readonly string[] OpenStatuses = ["requested", "in_review", "changes_requested", "escalated"];

    public static readonly string[] TerminalStatuses = ["approved", "rejected", "overridden"];

    private static readonly string[] ManagedEventTypes = ["ApprovalRecorded", "ExceptionRequested", "WorkflowReviewRequested"];

    private static long _unique = 5000;

    /// <summary>workflows.ex refresh_runtime!/1 (one transaction).</summary>
    public static async Task RefreshRuntimeAsync(NpgsqlConnection connection, string tenant, CancellationToken ct)
    {
        var now = Contract.Rfc3339(DateTimeOffset.UtcNow);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Store.ExecuteAsync(connection,
            "INSERT INTO dg_workflow_runtime (tenant_id, last_log_seq, updated_at) VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO NOTHING",
            ct, tenant, now);
        var last = Convert.ToInt64(await Store.ScalarAsync(connection,
            "SELECT last_log_seq FROM dg_workflow_runtime WHERE tenant_id = $1 FOR UPDATE", ct, tenant) ?? 0L);
        var processed = Convert.ToInt64(await Store.ScalarAsync(connection,
            "SELECT COALESCE(MAX(log_seq), $2) FROM dg_event_log WHERE tenant_id = $1 AND log_seq > $2 AND event_type = ANY($3)",
            ct, tenant, last, ManagedEventTypes));
        await Store.ExecuteAsync(connection,
            "UPDATE dg_workflow_runtime SET last_log_seq = $2, updated_at = $3 WHERE tenant_id = $1", ct, tenant, processed, now);

        var overdue = await Store.QueryAsync(connection, """
            SELECT workflow_id, trace_id, status, assigned_account_id, assigned_role FROM dg_workflow_items
            WHERE tenant_id = $1 AND status IN ('requested', 'in_review', 'changes_requested')
              AND sla_due_at IS NOT NULL AND sla_due_at <> '' AND sla_due_at < $2
            ORDER BY requested_at ASC, workflow_id ASC
            """, ct, tenant, now);
        foreach (var item in overdue)
        {
            var workflowId = (string)item["workflow_id"]!;
            await Store.ExecuteAsync(connection, """
                UPDATE dg_workflow_items SET status = 'escalated', current_reason = 'SLA deadline passed',
                       last_action_type = 'escalate', last_action_at = $3, updated_at = $3
                WHERE tenant_id = $1 AND workflow_id = $2
                """, ct, tenant, workflowId, now);
            await Store.ExecuteAsync(connection, """
                INSERT INTO dg_workflow_actions (action_id, tenant_id, workflow_id, trace_id, action_type, actor_id, actor_type,
                                                 note, payload_json, resulting_status, created_at)
                VALUES ($1, $2, $3, $4, 'escalate', NULL, 'system', 'SLA deadline passed', $5, 'escalated', $6)
                """, ct, "wfa:" + Interlocked.Increment(ref _unique), tenant, workflowId, item["trace_id"],
                ReplayJobs.CanonicalJson(new Dictionary<string, object?> { ["source"] = "automatic_sla_escalation" }), now);
            await Store.ExecuteAsync(connection, """
                INSERT INTO dg_workflow_notifications (notification_id, tenant_id, workflow_id, trace_id, category, message,
                                                       recipient_account_id, recipient_role, payload_json, dedupe_key,
                                                       created_at, delivered_at)
                VALUES ($1, $2, $3, $4, 'escalation', $5, $6, $7, '{}', $8, $9, $9)
                ON CONFLICT (tenant_id, dedupe_key) DO NOTHING
                """, ct, "wfn:" + Interlocked.Increment(ref _unique), tenant, workflowId, item["trace_id"],
                $"Workflow {workflowId} escalated: SLA deadline passed", item["assigned_account_id"], item["assigned_role"],
                $"escalation:{workflowId}:{now}", now);
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// workflows.ex export_workflow/2: the caller needs the workflow_export permission (authorize_action/2, else 403
    /// "Service account lacks workflow_export permission"); then get_workflow/2 (refresh_runtime!, 404 "Workflow not
    /// found: id"); the result is audit_summary {action_count, closed?, current_decision, notification_count, overdue,
    /// workflow_kind}, exported_at, export_version 1, trace_reference, workflow, workflow_actions and
    /// workflow_notifications (the newest 12, workflow_notifications/3).
    /// </summary>
    public static async Task<Dictionary<string, object?>> ExportAsync(NpgsqlConnection connection, string tenant, string workflowId, CancellationToken ct)
    {
        await RefreshRuntimeAsync(connection, tenant, ct);
        var item = (await Store.QueryAsync(connection, "SELECT * FROM dg_workflow_items WHERE tenant_id = $1 AND workflow_id = $2", ct, tenant, workflowId))
            .FirstOrDefault() ?? throw new DgErrorException(DgError.NotFound($"Workflow not found: {workflowId}"));
        var actions = (await Store.QueryAsync(connection, """
                SELECT action_id, actor_account_id, actor_id, actor_type, action_type, created_at, note,
                       payload_json, resulting_status, source_event_id, tenant_id, trace_id, workflow_id
                FROM dg_workflow_actions
                WHERE tenant_id = $1 AND workflow_id = $2
                ORDER BY created_at ASC, action_id ASC
                """, ct, tenant, workflowId))
            .Select(a => new Dictionary<string, object?>
            {
                ["action_id"] = a["action_id"],
                ["action_type"] = a["action_type"],
                ["actor"] = new Dictionary<string, object?> { ["account_id"] = a["actor_account_id"], ["actor_id"] = a["actor_id"], ["actor_type"] = a["actor_type"] },
                ["created_at"] = a["created_at"],
                ["note"] = a["note"],
                ["payload"] = Decode(a["payload_json"]),
                ["resulting_status"] = a["resulting_status"],
                ["source_event_id"] = a["source_event_id"],
                ["trace_id"] = a["trace_id"],
                ["workflow_id"] = a["workflow_id"],
            }).ToList();
        var notifications = (await Store.QueryAsync(connection, """
                SELECT notification_id, tenant_id, workflow_id, trace_id, category, channel, status, message,
                       recipient_account_id, recipient_role, payload_json, created_at, delivered_at
                FROM dg_workflow_notifications
                WHERE tenant_id = $1 AND workflow_id = $2
                ORDER BY created_at DESC, notification_id DESC
                LIMIT 12
                """, ct, tenant, workflowId))
            .Select(n => new Dictionary<string, object?>
            {
                ["category"] = n["category"],
                ["channel"] = n["channel"],
                ["created_at"] = n["created_at"],
                ["delivered_at"] = n["delivered_at"],
                ["message"] = n["message"],
                ["notification_id"] = n["notification_id"],
                ["payload"] = Decode(n["payload_json"]),
                ["recipient_account_id"] = n["recipient_account_id"],
                ["recipient_role"] = n["recipient_role"],
                ["status"] = n["status"],
                ["trace_id"] = n["trace_id"],
                ["workflow_id"] = n["workflow_id"],
            }).ToList();
        var workflow = WorkflowRow(item);
        return new Dictionary<string, object?>
        {
            ["audit_summary"] = new Dictionary<string, object?>
            {
                ["action_count"] = actions.Count,
                ["closed?"] = TerminalStatuses.Contains((string)item["status"]!),
                ["current_decision"] = item["current_decision"],
                ["notification_count"] = notifications.Count,
                ["overdue"] = workflow["overdue"],
                ["workflow_kind"] = item["workflow_kind"],
            },
            ["exported_at"] = Contract.Rfc3339(DateTimeOffset.UtcNow),
            ["export_version"] = 1,
            ["trace_reference"] = new Dictionary<string, object?>
            {
                ["subject_id"] = item["subject_id"],
                ["subject_type"] = item["subject_type"],
                ["tenant_id"] = item["tenant_id"],
                ["trace_id"] = item["trace_id"],
                ["workflow_name"] = item["workflow_name"],
            },
            ["workflow"] = workflow,
            ["workflow_actions"] = actions,
            ["workflow_notifications"] = notifications,
        };
    }

    /// <summary>workflows.ex workflow_row/1 (overdue? = open status, sla_due_at present and before now, compared as text).</summary>
    private static Dictionary<string, object?> WorkflowRow(Dictionary<string, object?> row)
    {
        var sla = row["sla_due_at"] as string;
        var overdue = OpenStatuses.Contains((string)row["status"]!) && !string.IsNullOrEmpty(sla)
            && string.CompareOrdinal(sla, Contract.Rfc3339(DateTimeOffset.UtcNow)) < 0;
        return new Dictionary<string, object?>
        {
            ["approval_event_id"] = row["approval_event_id"],
            ["assigned_account_id"] = row["assigned_account_id"],
            ["assigned_role"] = row["assigned_role"],
            ["created_from_event_id"] = row["created_from_event_id"],
            ["current_decision"] = row["current_decision"],
            ["current_reason"] = row["current_reason"],
            ["last_action_at"] = row["last_action_at"],
            ["last_action_type"] = row["last_action_type"],
            ["last_source_log_seq"] = row["last_source_log_seq"],
            ["metadata"] = Decode(row["metadata_json"]),
            ["overdue"] = overdue,
            ["policy_id"] = row["policy_id"],
            ["policy_version"] = row["policy_version"],
            ["priority"] = row["priority"],
            ["requested_at"] = row["requested_at"],
            ["requested_by_actor"] = new Dictionary<string, object?> { ["actor_id"] = row["requested_by_actor_id"], ["actor_type"] = row["requested_by_actor_type"] },
            ["resolved_at"] = row["resolved_at"],
            ["sla_due_at"] = row["sla_due_at"],
            ["status"] = row["status"],
            ["subject"] = new Dictionary<string, object?> { ["subject_id"] = row["subject_id"], ["subject_type"] = row["subject_type"] },
            ["tenant_id"] = row["tenant_id"],
            ["title"] = row["title"],
            ["trace_id"] = row["trace_id"],
            ["updated_at"] = row["updated_at"],
            ["workflow_id"] = row["workflow_id"],
            ["workflow_kind"] = row["workflow_kind"],
            ["workflow_name"] = row["workflow_name"],
        };
    }

    internal static JsonElement? Decode(object? json) =>
        json is string text && text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : null;
}
