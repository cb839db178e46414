using Npgsql;
using NpgsqlTypes;
using Schema = DecisionGraph.Fixtures.DecisionGraphSchema;

namespace DecisionGraph.Fixtures;

/// <summary>
/// Streams the generator's rows into PostgreSQL: one binary COPY per table, each on its own connection, all open at
/// once, so every row goes straight to the server and nothing accumulates in memory.
/// </summary>
internal sealed class PostgresSeedSink : IDecisionGraphSink, IAsyncDisposable
{
    /// <summary>Every table with the columns the seeder writes, in COPY order, and the column a sequence feeds.</summary>
    internal static readonly IReadOnlyList<(string Table, string[] Columns, string? SequenceColumn)> Layout =
    [
        (Schema.EventLog, ["log_seq", "tenant_id", "event_id", "trace_id", "trace_seq", "event_type", "occurred_at", "recorded_at",
            "producer_id", "source_system", "source_subsystem", "actor_type", "actor_id", "correlation_id", "causation_event_id",
            "idempotency_key", "schema_version", "payload_json", "payload_hash", "tags_json"], "log_seq"),
        (Schema.ProjectionCursors, ["tenant_id", "projection_name", "last_log_seq", "updated_at"], null),
        (Schema.GraphNodes, ["tenant_id", "node_id", "node_type", "trace_id", "log_seq", "created_at", "metadata_json"], null),
        (Schema.GraphEdges, ["tenant_id", "edge_id", "edge_type", "from_node_id", "to_node_id", "trace_id", "log_seq", "created_at",
            "metadata_json"], null),
        (Schema.TraceSummary, ["tenant_id", "trace_id", "workflow", "title", "primary_entity_type", "primary_entity_system",
            "primary_entity_id", "outcome", "started_at", "finished_at", "event_count", "last_log_seq"], null),
        (Schema.PolicyEvalIndex, ["tenant_id", "index_id", "trace_id", "policy_id", "policy_version", "log_seq", "created_at"], null),
        (Schema.PrecedentIndex, ["tenant_id", "source_event_id", "log_seq", "trace_id", "policy_id", "policy_version", "exception_id",
            "primary_entity_type", "primary_entity_system", "primary_entity_id"], null),
        (Schema.ProjectionDigests, ["tenant_id", "projection_name", "digest_value", "last_log_seq", "updated_at"], null),
        (Schema.ProjectionFailures, ["id", "tenant_id", "projection_name", "log_seq", "trace_id", "event_id", "error_code",
            "error_message", "recoverable", "retry_count", "status", "metadata_json", "recorded_at", "resolved_at"], null),
        (Schema.ProjectionRuns, ["job_id", "tenant_id", "projection_name", "mode", "status", "requested_at", "started_at",
            "finished_at", "since_log_seq", "until_log_seq", "processed_events", "last_log_seq", "error_code", "error_message",
            "metadata_json"], null),
        (Schema.WorkflowRuntime, ["tenant_id", "last_log_seq", "updated_at"], null),
        (Schema.WorkflowItems, ["workflow_id", "tenant_id", "trace_id", "workflow_kind", "workflow_name", "subject_type", "subject_id",
            "status", "priority", "title", "policy_id", "policy_version", "requested_by_actor_id", "requested_by_actor_type",
            "assigned_account_id", "assigned_role", "requested_at", "sla_due_at", "updated_at", "resolved_at", "last_action_type",
            "last_action_at", "current_decision", "current_reason", "approval_event_id", "created_from_event_id",
            "last_source_log_seq", "metadata_json"], null),
        (Schema.WorkflowActions, ["action_id", "tenant_id", "workflow_id", "trace_id", "action_type", "actor_id", "actor_type",
            "actor_account_id", "note", "payload_json", "source_event_id", "resulting_status", "created_at"], null),
        (Schema.WorkflowNotifications, ["notification_id", "tenant_id", "workflow_id", "trace_id", "category", "channel", "status",
            "message", "recipient_account_id", "recipient_role", "payload_json", "dedupe_key", "created_at", "delivered_at"], null),
    ];

    private readonly Dictionary<string, TableLoad> _loads;
    private readonly TableLoad _events, _cursors, _nodes, _edges, _summaries, _policies, _precedents, _digests, _failures,
        _runs, _runtime, _items, _actions, _notifications;

    private PostgresSeedSink(Dictionary<string, TableLoad> loads, string loadMode)
    {
        _loads = loads;
        LoadMode = loadMode;
        _events = loads[Schema.EventLog];
        _cursors = loads[Schema.ProjectionCursors];
        _nodes = loads[Schema.GraphNodes];
        _edges = loads[Schema.GraphEdges];
        _summaries = loads[Schema.TraceSummary];
        _policies = loads[Schema.PolicyEvalIndex];
        _precedents = loads[Schema.PrecedentIndex];
        _digests = loads[Schema.ProjectionDigests];
        _failures = loads[Schema.ProjectionFailures];
        _runs = loads[Schema.ProjectionRuns];
        _runtime = loads[Schema.WorkflowRuntime];
        _items = loads[Schema.WorkflowItems];
        _actions = loads[Schema.WorkflowActions];
        _notifications = loads[Schema.WorkflowNotifications];
    }

    /// <summary><see cref="SeedLoadModes.Fast"/> or <see cref="SeedLoadModes.Checked"/>: how the event log is loaded.</summary>
    public string LoadMode { get; }

    /// <summary>Rows written per table, in <see cref="Layout"/> order.</summary>
    public IReadOnlyList<SeedTableCount> Counts => [.. Layout.Select(t => new SeedTableCount(t.Table, _loads[t.Table].Rows))];

    /// <summary>
    /// Opens a load for every table, one after the other in a fixed order (so two seeders queue instead of deadlocking),
    /// refuses if any table has rows, and begins the COPYs.
    /// </summary>
    /// <exception cref="SeedRefusedException">A table already has rows; nothing was changed.</exception>
    public static async Task<PostgresSeedSink> OpenAsync(string connectionString, bool checkedLoad, CancellationToken ct)
    {
        var loads = new Dictionary<string, TableLoad>(StringComparer.Ordinal);
        try
        {
            foreach (var (table, _, _) in Layout)
            {
                loads[table] = await TableLoad.OpenAsync(connectionString, table, ct);
            }

            var nonEmpty = new List<string>();
            foreach (var (table, _, _) in Layout)
            {
                if (!await loads[table].IsEmptyAsync(ct))
                {
                    nonEmpty.Add(table);
                }
            }

            if (nonEmpty.Count > 0)
            {
                throw SeedRefusedException.For(nonEmpty);
            }

            var fast = !checkedLoad && await loads[Schema.EventLog].TryBypassTriggersAsync(ct);
            foreach (var (table, columns, _) in Layout)
            {
                await loads[table].BeginCopyAsync(columns, ct);
            }

            return new PostgresSeedSink(loads, fast ? SeedLoadModes.Fast : SeedLoadModes.Checked);
        }
        catch
        {
            foreach (var load in loads.Values)
            {
                await load.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Ends every COPY, then commits, the event log last.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        await Task.WhenAll(Layout.Select(t => _loads[t.Table].FinishAsync(t.SequenceColumn, ct)));
        foreach (var (table, _, _) in Layout.Reverse())
        {
            await _loads[table].CommitAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var load in _loads.Values)
        {
            await load.DisposeAsync();
        }
    }

    // ---- rows -----------------------------------------------------------------------------------------------------

    public void EventLog(in EventLogRow row)
    {
        var w = _events.Row();
        w.Write(row.LogSeq, NpgsqlDbType.Bigint);
        T(w, row.TenantId);
        T(w, row.EventId);
        T(w, row.TraceId);
        w.Write(row.TraceSeq, NpgsqlDbType.Integer);
        T(w, row.EventType);
        T(w, row.OccurredAt);
        T(w, row.RecordedAt);
        T(w, row.ProducerId);
        T(w, row.SourceSystem);
        Text(w, row.SourceSubsystem);
        T(w, row.ActorType);
        T(w, row.ActorId);
        Text(w, row.CorrelationId);
        Text(w, row.CausationEventId);
        T(w, row.IdempotencyKey);
        w.Write(row.SchemaVersion, NpgsqlDbType.Integer);
        T(w, row.PayloadJson);
        T(w, row.PayloadHash);
        T(w, row.TagsJson);
    }

    public void ProjectionCursor(in ProjectionCursorRow row)
    {
        var w = _cursors.Row();
        T(w, row.TenantId);
        T(w, row.ProjectionName);
        w.Write(row.LastLogSeq, NpgsqlDbType.Bigint);
        T(w, row.UpdatedAt);
    }

    public void GraphNode(in GraphNodeRow row)
    {
        var w = _nodes.Row();
        T(w, row.TenantId);
        T(w, row.NodeId);
        T(w, row.NodeType);
        T(w, row.TraceId);
        w.Write(row.LogSeq, NpgsqlDbType.Bigint);
        T(w, row.CreatedAt);
        T(w, row.MetadataJson);
    }

    public void GraphEdge(in GraphEdgeRow row)
    {
        var w = _edges.Row();
        T(w, row.TenantId);
        T(w, row.EdgeId);
        T(w, row.EdgeType);
        T(w, row.FromNodeId);
        T(w, row.ToNodeId);
        T(w, row.TraceId);
        w.Write(row.LogSeq, NpgsqlDbType.Bigint);
        T(w, row.CreatedAt);
        T(w, row.MetadataJson);
    }

    public void TraceSummary(in TraceSummaryRow row)
    {
        var w = _summaries.Row();
        T(w, row.TenantId);
        T(w, row.TraceId);
        T(w, row.Workflow);
        T(w, row.Title);
        Text(w, row.PrimaryEntityType);
        Text(w, row.PrimaryEntitySystem);
        Text(w, row.PrimaryEntityId);
        Text(w, row.Outcome);
        T(w, row.StartedAt);
        Text(w, row.FinishedAt);
        w.Write(row.EventCount, NpgsqlDbType.Integer);
        w.Write(row.LastLogSeq, NpgsqlDbType.Bigint);
    }

    public void PolicyEval(in PolicyEvalRow row)
    {
        var w = _policies.Row();
        T(w, row.TenantId);
        T(w, row.IndexId);
        T(w, row.TraceId);
        T(w, row.PolicyId);
        T(w, row.PolicyVersion);
        w.Write(row.LogSeq, NpgsqlDbType.Bigint);
        T(w, row.CreatedAt);
    }

    public void Precedent(in PrecedentRow row)
    {
        var w = _precedents.Row();
        T(w, row.TenantId);
        T(w, row.SourceEventId);
        w.Write(row.LogSeq, NpgsqlDbType.Bigint);
        T(w, row.TraceId);
        T(w, row.PolicyId);
        T(w, row.PolicyVersion);
        Text(w, row.ExceptionId);
        Text(w, row.PrimaryEntityType);
        Text(w, row.PrimaryEntitySystem);
        Text(w, row.PrimaryEntityId);
    }

    public void ProjectionDigest(in ProjectionDigestRow row)
    {
        var w = _digests.Row();
        T(w, row.TenantId);
        T(w, row.ProjectionName);
        T(w, row.DigestValue);
        w.Write(row.LastLogSeq, NpgsqlDbType.Bigint);
        T(w, row.UpdatedAt);
    }

    public void ProjectionFailure(in ProjectionFailureRow row)
    {
        var w = _failures.Row();
        w.Write(row.Id, NpgsqlDbType.Uuid);
        T(w, row.TenantId);
        T(w, row.ProjectionName);
        w.Write(row.LogSeq, NpgsqlDbType.Bigint);
        T(w, row.TraceId);
        T(w, row.EventId);
        T(w, row.ErrorCode);
        T(w, row.ErrorMessage);
        w.Write(row.Recoverable, NpgsqlDbType.Boolean);
        w.Write(row.RetryCount, NpgsqlDbType.Integer);
        T(w, row.Status);
        T(w, row.MetadataJson);
        T(w, row.RecordedAt);
        Text(w, row.ResolvedAt);
    }

    public void ProjectionRun(in ProjectionRunRow row)
    {
        var w = _runs.Row();
        T(w, row.JobId);
        T(w, row.TenantId);
        T(w, row.ProjectionName);
        T(w, row.Mode);
        T(w, row.Status);
        T(w, row.RequestedAt);
        Text(w, row.StartedAt);
        Text(w, row.FinishedAt);
        w.Write(row.SinceLogSeq, NpgsqlDbType.Bigint);
        if (row.UntilLogSeq is { } until)
        {
            w.Write(until, NpgsqlDbType.Bigint);
        }
        else
        {
            w.WriteNull();
        }

        w.Write(row.ProcessedEvents, NpgsqlDbType.Integer);
        w.Write(row.LastLogSeq, NpgsqlDbType.Bigint);
        Text(w, row.ErrorCode);
        Text(w, row.ErrorMessage);
        T(w, row.MetadataJson);
    }

    public void WorkflowRuntime(in WorkflowRuntimeRow row)
    {
        var w = _runtime.Row();
        T(w, row.TenantId);
        w.Write(row.LastLogSeq, NpgsqlDbType.Bigint);
        T(w, row.UpdatedAt);
    }

    public void WorkflowItem(in WorkflowItemRow row)
    {
        var w = _items.Row();
        T(w, row.WorkflowId);
        T(w, row.TenantId);
        T(w, row.TraceId);
        T(w, row.WorkflowKind);
        Text(w, row.WorkflowName);
        T(w, row.SubjectType);
        T(w, row.SubjectId);
        T(w, row.Status);
        T(w, row.Priority);
        T(w, row.Title);
        Text(w, row.PolicyId);
        Text(w, row.PolicyVersion);
        Text(w, row.RequestedByActorId);
        Text(w, row.RequestedByActorType);
        Text(w, row.AssignedAccountId);
        Text(w, row.AssignedRole);
        T(w, row.RequestedAt);
        Text(w, row.SlaDueAt);
        T(w, row.UpdatedAt);
        Text(w, row.ResolvedAt);
        Text(w, row.LastActionType);
        Text(w, row.LastActionAt);
        Text(w, row.CurrentDecision);
        Text(w, row.CurrentReason);
        Text(w, row.ApprovalEventId);
        T(w, row.CreatedFromEventId);
        w.Write(row.LastSourceLogSeq, NpgsqlDbType.Bigint);
        T(w, row.MetadataJson);
    }

    public void WorkflowAction(in WorkflowActionRow row)
    {
        var w = _actions.Row();
        T(w, row.ActionId);
        T(w, row.TenantId);
        T(w, row.WorkflowId);
        T(w, row.TraceId);
        T(w, row.ActionType);
        Text(w, row.ActorId);
        Text(w, row.ActorType);
        Text(w, row.ActorAccountId);
        Text(w, row.Note);
        T(w, row.PayloadJson);
        Text(w, row.SourceEventId);
        Text(w, row.ResultingStatus);
        T(w, row.CreatedAt);
    }

    public void WorkflowNotification(in WorkflowNotificationRow row)
    {
        var w = _notifications.Row();
        T(w, row.NotificationId);
        T(w, row.TenantId);
        T(w, row.WorkflowId);
        T(w, row.TraceId);
        T(w, row.Category);
        T(w, row.Channel);
        T(w, row.Status);
        T(w, row.Message);
        Text(w, row.RecipientAccountId);
        Text(w, row.RecipientRole);
        T(w, row.PayloadJson);
        T(w, row.DedupeKey);
        T(w, row.CreatedAt);
        T(w, row.DeliveredAt);
    }

    private static void T(NpgsqlBinaryImporter w, string value) => w.Write(value, NpgsqlDbType.Text);

    private static void Text(NpgsqlBinaryImporter w, string? value)
    {
        if (value is null)
        {
            w.WriteNull();
        }
        else
        {
            w.Write(value, NpgsqlDbType.Text);
        }
    }
}
