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
            "producer", "source_system", "source_subsystem", "actor_type", "actor_id", "correlation_id", "causation_id",
            "idempotency_key", "schema_version", "payload_json", "payload_hash", "tags_json"], "log_seq"),
        (Schema.ProjectionCursors, ["tenant_id", "projection_name", "last_log_seq", "events_applied", "updated_at"], null),
        (Schema.GraphNodes, ["node_id", "tenant_id", "node_type", "natural_key", "label", "properties", "first_seen_log_seq",
            "last_seen_log_seq", "created_at"], "node_id"),
        (Schema.GraphEdges, ["tenant_id", "from_node_id", "to_node_id", "edge_type", "weight", "log_seq", "created_at"], null),
        (Schema.TraceSummary, ["tenant_id", "trace_id", "event_count", "first_log_seq", "last_log_seq", "started_at", "finished_at",
            "status", "outcome", "last_event_type", "policy_evaluations", "exceptions", "has_approval", "committed_amount",
            "updated_at"], null),
        (Schema.PolicyEvalIndex, ["tenant_id", "log_seq", "trace_id", "policy_id", "policy_version", "decision", "score",
            "rule_hits", "evaluated_at"], null),
        (Schema.PrecedentIndex, ["precedent_id", "tenant_id", "citing_trace_id", "cited_trace_id", "log_seq", "similarity",
            "cited_at", "rationale"], null),
        (Schema.ProjectionDigests, ["tenant_id", "projection_name", "at_log_seq", "digest", "events_covered", "computed_at"], null),
        (Schema.ProjectionFailures, ["tenant_id", "projection_name", "log_seq", "error_class", "error_message", "failed_at",
            "attempts", "resolved"], null),
        (Schema.ProjectionRuns, ["run_id", "projection_name", "tenant_id", "from_log_seq", "to_log_seq", "events_processed",
            "started_at", "finished_at", "duration_ms", "status", "worker"], "run_id"),
        (Schema.WorkflowRuntime, ["tenant_id", "workflow_name", "version", "state", "paused", "lease_owner", "lease_expires_at",
            "heartbeat_at", "open_items"], null),
        (Schema.WorkflowItems, ["item_id", "tenant_id", "trace_id", "source_log_seq", "workflow_name", "kind", "state", "priority",
            "assignee", "created_at", "due_at", "closed_at", "details", "note"], null),
        (Schema.WorkflowActions, ["action_id", "item_id", "tenant_id", "trace_id", "log_seq", "action_type", "actor_id", "acted_at",
            "amount", "currency", "body"], "action_id"),
        (Schema.WorkflowNotifications, ["tenant_id", "item_id", "channel", "recipient", "attempt", "sent_at", "delivered", "body",
            "created_at"], null),
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
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.EventId, NpgsqlDbType.Uuid);
        w.Write(row.TraceId, NpgsqlDbType.Text);
        w.Write(row.TraceSeq, NpgsqlDbType.Integer);
        w.Write(row.EventType, NpgsqlDbType.Text);
        w.Write(row.OccurredAt, NpgsqlDbType.Text);
        w.Write(row.RecordedAt, NpgsqlDbType.Text);
        w.Write(row.Producer, NpgsqlDbType.Text);
        w.Write(row.SourceSystem, NpgsqlDbType.Text);
        Text(w, row.SourceSubsystem);
        w.Write(row.ActorType, NpgsqlDbType.Text);
        Text(w, row.ActorId);
        Text(w, row.CorrelationId);
        Text(w, row.CausationId);
        Text(w, row.IdempotencyKey);
        w.Write(row.SchemaVersion, NpgsqlDbType.Integer);
        w.Write(row.PayloadJson, NpgsqlDbType.Text);
        w.Write(row.PayloadHash, NpgsqlDbType.Text);
        Text(w, row.TagsJson);
    }

    public void ProjectionCursor(in ProjectionCursorRow row)
    {
        var w = _cursors.Row();
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.ProjectionName, NpgsqlDbType.Text);
        w.Write(row.LastLogSeq, NpgsqlDbType.Bigint);
        w.Write(row.EventsApplied, NpgsqlDbType.Bigint);
        w.Write(row.UpdatedAt, NpgsqlDbType.TimestampTz);
    }

    public void GraphNode(in GraphNodeRow row)
    {
        var w = _nodes.Row();
        w.Write(row.NodeId, NpgsqlDbType.Bigint);
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.NodeType, NpgsqlDbType.Text);
        w.Write(row.NaturalKey, NpgsqlDbType.Text);
        Text(w, row.Label);
        w.Write(row.PropertiesJson, NpgsqlDbType.Jsonb);
        w.Write(row.FirstSeenLogSeq, NpgsqlDbType.Bigint);
        w.Write(row.LastSeenLogSeq, NpgsqlDbType.Bigint);
        w.Write(row.CreatedAt, NpgsqlDbType.TimestampTz);
    }

    public void GraphEdge(in GraphEdgeRow row)
    {
        var w = _edges.Row();
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.FromNodeId, NpgsqlDbType.Bigint);
        w.Write(row.ToNodeId, NpgsqlDbType.Bigint);
        w.Write(row.EdgeType, NpgsqlDbType.Text);
        w.Write(row.Weight, NpgsqlDbType.Numeric);
        w.Write(row.LogSeq, NpgsqlDbType.Bigint);
        w.Write(row.CreatedAt, NpgsqlDbType.TimestampTz);
    }

    public void TraceSummary(in TraceSummaryRow row)
    {
        var w = _summaries.Row();
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.TraceId, NpgsqlDbType.Text);
        w.Write(row.EventCount, NpgsqlDbType.Integer);
        w.Write(row.FirstLogSeq, NpgsqlDbType.Bigint);
        w.Write(row.LastLogSeq, NpgsqlDbType.Bigint);
        w.Write(row.StartedAt, NpgsqlDbType.TimestampTz);
        Time(w, row.FinishedAt);
        w.Write(row.Status, NpgsqlDbType.Text);
        Text(w, row.Outcome);
        w.Write(row.LastEventType, NpgsqlDbType.Text);
        w.Write(row.PolicyEvaluations, NpgsqlDbType.Integer);
        w.Write(row.Exceptions, NpgsqlDbType.Integer);
        w.Write(row.HasApproval, NpgsqlDbType.Boolean);
        Numeric(w, row.CommittedAmount);
        w.Write(row.UpdatedAt, NpgsqlDbType.TimestampTz);
    }

    public void PolicyEval(in PolicyEvalRow row)
    {
        var w = _policies.Row();
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.LogSeq, NpgsqlDbType.Bigint);
        w.Write(row.TraceId, NpgsqlDbType.Text);
        w.Write(row.PolicyId, NpgsqlDbType.Text);
        w.Write(row.PolicyVersion, NpgsqlDbType.Integer);
        w.Write(row.Decision, NpgsqlDbType.Text);
        w.Write(row.Score, NpgsqlDbType.Numeric);
        if (row.RuleHitsJson is null)
        {
            w.WriteNull();
        }
        else
        {
            w.Write(row.RuleHitsJson, NpgsqlDbType.Jsonb);
        }

        w.Write(row.EvaluatedAt, NpgsqlDbType.TimestampTz);
    }

    public void Precedent(in PrecedentRow row)
    {
        var w = _precedents.Row();
        w.Write(row.PrecedentId, NpgsqlDbType.Uuid);
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.CitingTraceId, NpgsqlDbType.Text);
        w.Write(row.CitedTraceId, NpgsqlDbType.Text);
        w.Write(row.LogSeq, NpgsqlDbType.Bigint);
        w.Write(row.Similarity, NpgsqlDbType.Double);
        w.Write(row.CitedAt, NpgsqlDbType.TimestampTz);
        Text(w, row.Rationale);
    }

    public void ProjectionDigest(in ProjectionDigestRow row)
    {
        var w = _digests.Row();
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.ProjectionName, NpgsqlDbType.Text);
        w.Write(row.AtLogSeq, NpgsqlDbType.Bigint);
        w.Write(row.Digest, NpgsqlDbType.Bytea);
        w.Write(row.EventsCovered, NpgsqlDbType.Bigint);
        w.Write(row.ComputedAt, NpgsqlDbType.TimestampTz);
    }

    public void ProjectionFailure(in ProjectionFailureRow row)
    {
        var w = _failures.Row();
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.ProjectionName, NpgsqlDbType.Text);
        w.Write(row.LogSeq, NpgsqlDbType.Bigint);
        w.Write(row.ErrorClass, NpgsqlDbType.Text);
        w.Write(row.ErrorMessage, NpgsqlDbType.Text);
        w.Write(row.FailedAt, NpgsqlDbType.TimestampTz);
        w.Write(row.Attempts, NpgsqlDbType.Integer);
        w.Write(row.Resolved, NpgsqlDbType.Boolean);
    }

    public void ProjectionRun(in ProjectionRunRow row)
    {
        var w = _runs.Row();
        w.Write(row.RunId, NpgsqlDbType.Bigint);
        w.Write(row.ProjectionName, NpgsqlDbType.Text);
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.FromLogSeq, NpgsqlDbType.Bigint);
        w.Write(row.ToLogSeq, NpgsqlDbType.Bigint);
        w.Write(row.EventsProcessed, NpgsqlDbType.Integer);
        w.Write(row.StartedAt, NpgsqlDbType.TimestampTz);
        w.Write(row.FinishedAt, NpgsqlDbType.TimestampTz);
        w.Write(row.DurationMs, NpgsqlDbType.Integer);
        w.Write(row.Status, NpgsqlDbType.Text);
        w.Write(row.Worker, NpgsqlDbType.Text);
    }

    public void WorkflowRuntime(in WorkflowRuntimeRow row)
    {
        var w = _runtime.Row();
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.WorkflowName, NpgsqlDbType.Text);
        w.Write(row.Version, NpgsqlDbType.Integer);
        w.Write(row.StateJson, NpgsqlDbType.Jsonb);
        w.Write(row.Paused, NpgsqlDbType.Boolean);
        Text(w, row.LeaseOwner);
        Time(w, row.LeaseExpiresAt);
        w.Write(row.HeartbeatAt, NpgsqlDbType.TimestampTz);
        w.Write(row.OpenItems, NpgsqlDbType.Integer);
    }

    public void WorkflowItem(in WorkflowItemRow row)
    {
        var w = _items.Row();
        w.Write(row.ItemId, NpgsqlDbType.Uuid);
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.TraceId, NpgsqlDbType.Text);
        w.Write(row.SourceLogSeq, NpgsqlDbType.Bigint);
        w.Write(row.WorkflowName, NpgsqlDbType.Text);
        w.Write(row.Kind, NpgsqlDbType.Text);
        w.Write(row.State, NpgsqlDbType.Text);
        w.Write(row.Priority, NpgsqlDbType.Smallint);
        Text(w, row.Assignee);
        w.Write(row.CreatedAt, NpgsqlDbType.TimestampTz);
        w.Write(row.DueAt, NpgsqlDbType.TimestampTz);
        Time(w, row.ClosedAt);
        w.Write(row.DetailsJson, NpgsqlDbType.Jsonb);
        Text(w, row.Note);
    }

    public void WorkflowAction(in WorkflowActionRow row)
    {
        var w = _actions.Row();
        w.Write(row.ActionId, NpgsqlDbType.Bigint);
        if (row.ItemId is { } itemId)
        {
            w.Write(itemId, NpgsqlDbType.Uuid);
        }
        else
        {
            w.WriteNull();
        }

        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.TraceId, NpgsqlDbType.Text);
        if (row.LogSeq is { } logSeq)
        {
            w.Write(logSeq, NpgsqlDbType.Bigint);
        }
        else
        {
            w.WriteNull();
        }

        w.Write(row.ActionType, NpgsqlDbType.Text);
        Text(w, row.ActorId);
        w.Write(row.ActedAt, NpgsqlDbType.TimestampTz);
        Numeric(w, row.Amount);
        if (row.Currency is null)
        {
            w.WriteNull();
        }
        else
        {
            w.Write(row.Currency, NpgsqlDbType.Char);
        }

        Text(w, row.Body);
    }

    public void WorkflowNotification(in WorkflowNotificationRow row)
    {
        var w = _notifications.Row();
        w.Write(row.TenantId, NpgsqlDbType.Text);
        w.Write(row.ItemId, NpgsqlDbType.Uuid);
        w.Write(row.Channel, NpgsqlDbType.Text);
        w.Write(row.Recipient, NpgsqlDbType.Text);
        w.Write(row.Attempt, NpgsqlDbType.Integer);
        Time(w, row.SentAt);
        w.Write(row.Delivered, NpgsqlDbType.Boolean);
        w.Write(row.Body, NpgsqlDbType.Bytea);
        w.Write(row.CreatedAt, NpgsqlDbType.TimestampTz);
    }

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

    private static void Time(NpgsqlBinaryImporter w, DateTime? value)
    {
        if (value is { } time)
        {
            w.Write(time, NpgsqlDbType.TimestampTz);
        }
        else
        {
            w.WriteNull();
        }
    }

    private static void Numeric(NpgsqlBinaryImporter w, decimal? value)
    {
        if (value is { } number)
        {
            w.Write(number, NpgsqlDbType.Numeric);
        }
        else
        {
            w.WriteNull();
        }
    }
}
