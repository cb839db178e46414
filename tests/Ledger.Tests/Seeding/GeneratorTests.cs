using System.Security.Cryptography;
using System.Text;
using DecisionGraph.Fixtures;

namespace Ledger.Tests.Seeding;

/// <summary>One small data set per class, generated once, checked from several sides.</summary>
public sealed class GeneratedDataSet
{
    public static readonly SeedOptions Options = new() { Traces = 600, Tenants = 4, Seed = 11 };

    public RecordingSink Rows { get; } = RecordingSink.Generate(Options);
}

public sealed class when_the_same_seed_is_generated_twice
{
    [Fact]
    public void every_table_gets_the_same_rows_in_the_same_order()
    {
        var first = RecordingSink.Generate(new SeedOptions { Traces = 400, Tenants = 3, Seed = 5 }).Tables();
        var second = RecordingSink.Generate(new SeedOptions { Traces = 400, Tenants = 3, Seed = 5 }).Tables();

        Assert.Equal(first.Keys, second.Keys);
        foreach (var table in first.Keys)
        {
            Assert.True(first[table].Count > 0, $"{table} is empty");
            Assert.Equal(first[table], second[table]);
        }
    }

    [Fact]
    public void another_seed_gives_other_events()
    {
        var one = RecordingSink.Generate(new SeedOptions { Traces = 200, Seed = 1 });
        var two = RecordingSink.Generate(new SeedOptions { Traces = 200, Seed = 2 });

        Assert.NotEqual(one.Events.Select(e => e.EventId), two.Events.Select(e => e.EventId));
        Assert.NotEqual(one.Events.Select(e => e.PayloadHash), two.Events.Select(e => e.PayloadHash));
    }

    [Fact]
    public void its_times_come_from_the_fixed_epoch_not_the_clock()
    {
        var rows = RecordingSink.Generate(new SeedOptions { Traces = 100 });
        var recorded = rows.Events.Select(e => DateTime.Parse(e.RecordedAt, null, System.Globalization.DateTimeStyles.AdjustToUniversal)).ToList();

        Assert.All(recorded, at => Assert.InRange(at, DecisionGraphGenerator.Epoch, DecisionGraphGenerator.Epoch.AddDays(1)));
        Assert.Equal(recorded.Order(), recorded); // the log's clock only moves forward
    }
}

public sealed class when_traces_are_generated(GeneratedDataSet data) : IClassFixture<GeneratedDataSet>
{
    private readonly RecordingSink _rows = data.Rows;

    [Fact]
    public void log_seq_counts_from_1_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1, _rows.Events.Count).Select(i => (long)i), _rows.Events.Select(e => e.LogSeq));
    }

    [Fact]
    public void every_trace_starts_with_TraceStarted_at_0_and_is_contiguous()
    {
        foreach (var trace in _rows.Events.GroupBy(e => (e.TenantId, e.TraceId)))
        {
            var events = trace.ToList();
            Assert.Equal("TraceStarted", events[0].EventType);
            Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.TraceSeq));
            Assert.DoesNotContain(events.Skip(1), e => e.EventType == "TraceStarted");
        }
    }

    [Fact]
    public void nothing_follows_TraceFinished_and_only_some_traces_stay_open()
    {
        var traces = _rows.Events.GroupBy(e => (e.TenantId, e.TraceId)).Select(t => t.ToList()).ToList();
        foreach (var events in traces)
        {
            var finished = events.FindIndex(e => e.EventType == "TraceFinished");
            Assert.True(finished < 0 || finished == events.Count - 1, $"trace {events[0].TraceId} has events after TraceFinished");
        }

        var open = traces.Count(t => t[^1].EventType != "TraceFinished");
        Assert.Equal(GeneratedDataSet.Options.Traces, traces.Count);
        Assert.InRange(open, 1, traces.Count / 5);
    }

    [Fact]
    public void the_traces_of_a_tenant_interleave_in_the_log()
    {
        // Traces run concurrently: some trace's events are not adjacent in log order.
        var interleaved = _rows.Events.GroupBy(e => e.TraceId).Count(t => t.Last().LogSeq - t.First().LogSeq >= t.Count());
        Assert.True(interleaved > _rows.Summaries.Count / 2, $"only {interleaved} traces interleave");
    }

    [Fact]
    public void each_trace_summary_counts_the_events_of_its_trace()
    {
        // projector/write.ex on_trace_started!/2 and on_trace_finished!/2.
        var log = _rows.Events.GroupBy(e => (e.TenantId, e.TraceId)).ToDictionary(t => t.Key, t => t.ToList());

        Assert.Equal(log.Count, _rows.Summaries.Count);
        foreach (var summary in _rows.Summaries)
        {
            var events = log[(summary.TenantId, summary.TraceId)];
            var finished = events[^1].EventType == "TraceFinished";
            Assert.Equal(events.Count, summary.EventCount);
            Assert.Equal(events[^1].LogSeq, summary.LastLogSeq);
            Assert.Equal(events[0].OccurredAt, summary.StartedAt);
            Assert.Equal(finished ? events[^1].OccurredAt : null, summary.FinishedAt);
            Assert.Equal(finished, summary.Outcome is not null);
        }
    }

    [Fact]
    public void cursors_and_digests_sit_at_each_tenants_head_one_row_per_projection()
    {
        var heads = _rows.Events.GroupBy(e => e.TenantId).ToDictionary(t => t.Key, t => t.Max(e => e.LogSeq));

        Assert.Equal(GeneratedDataSet.Options.Tenants, heads.Count);
        Assert.Equal(heads.Count * 3, _rows.Cursors.Count);
        Assert.All(_rows.Cursors, c => Assert.Equal(heads[c.TenantId], c.LastLogSeq));
        Assert.Equal(["context_graph", "trace_summary", "precedent_index"], _rows.Cursors.Select(c => c.ProjectionName).Distinct());
        Assert.Equal(heads.Count * 4, _rows.Digests.Count);
        Assert.Equal(_rows.Digests.Count, _rows.Digests.Select(d => (d.TenantId, d.ProjectionName)).Distinct().Count());
        Assert.All(_rows.Digests, d =>
        {
            Assert.Equal(heads[d.TenantId], d.LastLogSeq);
            Assert.Matches("^sha256:[0-9a-f]{64}$", d.DigestValue);
        });
        Assert.Equal(heads.Count, _rows.Digests.Count(d => d.ProjectionName == DecisionGraphGenerator.FullProjection));
    }

    [Fact]
    public void payload_hash_is_sha256_colon_and_the_hex_of_the_payload()
    {
        Assert.All(_rows.Events, e => Assert.Equal(
            "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(e.PayloadJson))), e.PayloadHash));
    }

    [Fact]
    public void payload_keys_are_in_canonical_sorted_order()
    {
        foreach (var e in _rows.Events.Take(400))
        {
            using var document = System.Text.Json.JsonDocument.Parse(e.PayloadJson);
            var keys = document.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        }
    }

    [Fact]
    public void recorded_at_is_rfc3339_with_fractions_of_varying_length()
    {
        Assert.All(_rows.Events, e => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$", e.RecordedAt));
        var lengths = _rows.Events.Select(e => e.RecordedAt.Length).Distinct().Count();
        Assert.True(lengths >= 3, $"only {lengths} lengths of recorded_at");
    }

    [Fact]
    public void workflow_items_come_from_their_source_events_with_their_actions_and_notifications()
    {
        // dg_api/.../api/workflows.ex apply_source_event!/2: "trace:subject_type:subject_id", "wfa:event:" + event id.
        var byEventId = _rows.Events.ToDictionary(e => e.EventId);

        Assert.NotEmpty(_rows.Items);
        foreach (var item in _rows.Items)
        {
            var source = byEventId[item.CreatedFromEventId];
            Assert.Equal((item.TenantId, item.TraceId), (source.TenantId, source.TraceId));
            Assert.Contains(source.EventType, new[] { "ExceptionRequested", "WorkflowReviewRequested" });
            Assert.Equal($"{item.TraceId}:{item.SubjectType}:{item.SubjectId}", item.WorkflowId);
            Assert.Contains(item.Status, DecisionGraphGenerator.OpenStatuses.Concat(DecisionGraphGenerator.TerminalStatuses));
        }

        Assert.Contains(_rows.Items, i => DecisionGraphGenerator.OpenStatuses.Contains(i.Status));
        Assert.Contains(_rows.Items, i => i.Status == "approved");
        var items = _rows.Items.Select(i => i.WorkflowId).ToHashSet();
        Assert.All(_rows.Actions, a => Assert.Contains(a.WorkflowId, items));
        Assert.All(_rows.Actions.Where(a => a.SourceEventId is not null), a => Assert.Equal(a.TraceId, byEventId[a.SourceEventId!].TraceId));
        Assert.Contains(_rows.Actions, a => a.SourceEventId is null); // manual actions: no event behind them
        Assert.Equal(_rows.Actions.Count, _rows.Actions.Select(a => a.ActionId).Distinct().Count());
        Assert.All(_rows.Notifications, n => Assert.Contains(n.WorkflowId, items));
        Assert.Equal(_rows.Notifications.Count, _rows.Notifications.Select(n => (n.TenantId, n.DedupeKey)).Distinct().Count());
    }

    [Fact]
    public void the_precedent_index_holds_the_policy_and_exception_events_of_finished_traces()
    {
        // projector/write.ex build_precedent_index!/2.
        var byEventId = _rows.Events.ToDictionary(e => e.EventId);
        var finished = _rows.Events.Where(e => e.EventType == "TraceFinished").Select(e => (e.TenantId, e.TraceId)).ToHashSet();

        Assert.NotEmpty(_rows.Precedents);
        Assert.All(_rows.Precedents, p =>
        {
            var source = byEventId[p.SourceEventId];
            Assert.Contains(source.EventType, new[] { "PolicyEvaluated", "ExceptionRequested" });
            Assert.Contains((p.TenantId, p.TraceId), finished);
            Assert.Equal(source.EventType == "ExceptionRequested", p.ExceptionId is not null);
        });
    }

    [Fact]
    public void runs_are_replay_jobs_with_decisiongraphs_statuses_and_failures_are_resolved()
    {
        Assert.All(_rows.Runs, r =>
        {
            Assert.Matches("^replay-[0-9]+$", r.JobId);
            Assert.Contains(r.Status, new[] { "completed", "failed", "cancelled" });
            Assert.Contains(r.Mode, new[] { "catch_up", "rebuild" });
        });
        Assert.Contains(_rows.Runs, r => r.Status == "failed" && r.ErrorCode is not null);
        Assert.All(_rows.Failures, f => Assert.Equal("resolved", f.Status));
        Assert.Equal(GeneratedDataSet.Options.Tenants, _rows.Runtime.Count);
    }

    [Fact]
    public void graph_edges_join_nodes_of_their_own_tenant_and_node_ids_are_unique()
    {
        var nodes = _rows.Nodes.ToDictionary(n => (n.TenantId, n.NodeId));

        Assert.Equal(_rows.Summaries.Count, _rows.Nodes.Count(n => n.NodeType == "trace"));
        Assert.All(_rows.Nodes, n => Assert.StartsWith(n.NodeType + ":", n.NodeId));
        Assert.All(_rows.Edges, e =>
        {
            Assert.True(nodes.ContainsKey((e.TenantId, e.FromNodeId)), e.FromNodeId);
            Assert.True(nodes.ContainsKey((e.TenantId, e.ToNodeId)), e.ToNodeId);
        });
        Assert.Equal(_rows.Edges.Count, _rows.Edges.Select(e => (e.TenantId, e.EdgeId)).Distinct().Count());
    }

    [Fact]
    public void the_data_has_nulls_awkward_text_and_long_payloads()
    {
        var text = _rows.Events.Select(e => e.PayloadJson)
            .Concat(_rows.Actions.Select(a => a.Note ?? ""))
            .ToList();

        Assert.Contains(_rows.Events, e => e.CorrelationId is null);
        Assert.Contains(_rows.Events, e => e.SourceSubsystem is null);
        Assert.Contains(_rows.Summaries, s => s.FinishedAt is null);
        Assert.Contains(text, t => t.Contains('\'', StringComparison.Ordinal));
        Assert.Contains(text, t => t.Contains('\\', StringComparison.Ordinal));
        Assert.Contains(text, t => t.Any(c => c > 0x2E80)); // CJK and beyond
        Assert.Contains(_rows.Events, e => Encoding.UTF8.GetByteCount(e.PayloadJson) > 2048);
        Assert.Contains(_rows.Events, e => e.OccurredAt.EndsWith("+01:00", StringComparison.Ordinal) || e.OccurredAt.EndsWith("+09:00", StringComparison.Ordinal));
        Assert.Contains(_rows.Summaries, s => s.TenantId.Contains('\'', StringComparison.Ordinal));
    }
}

public sealed class when_open_failures_and_stuck_runs_are_asked_for
{
    [Fact]
    public void some_failures_stay_open_and_each_tenants_last_run_is_queued_or_running()
    {
        var rows = RecordingSink.Generate(new SeedOptions { Traces = 2000, Tenants = 2, Seed = 3, OpenFailures = true, StuckRuns = true });

        Assert.Contains(rows.Failures, f => f.Status == "open" && f.ResolvedAt is null);
        Assert.Equal(2, rows.Runs.Count(r => r.Status is "queued" or "running"));
    }
}

public sealed class when_seed_options_are_out_of_range
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(-5, 1)]
    [InlineData(10, 0)]
    [InlineData(10, 11)]
    public void the_generator_refuses_them(int traces, int tenants)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecisionGraphGenerator(new SeedOptions { Traces = traces, Tenants = tenants }));
    }

    [Fact]
    public void as_many_tenants_as_traces_gives_every_tenant_a_trace()
    {
        var rows = RecordingSink.Generate(new SeedOptions { Traces = 8, Tenants = 8 });

        Assert.Equal(8, rows.Events.Select(e => e.TenantId).Distinct().Count());
    }
}

/// <summary>Runs alone: it measures the process's live memory, which tests running beside it would disturb.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "seeding memory measurement";
}

[Collection(MemoryMeasurementCollection.Name)]
public sealed class when_a_large_seed_is_generated
{
    [Fact]
    public void memory_stays_flat_as_the_trace_count_grows()
    {
        static long LiveBytesAtTheEnd(int traces)
        {
            var sink = new CountingSink();
            new DecisionGraphGenerator(new SeedOptions { Traces = traces }).Run(sink);
            return sink.LiveBytesAtLastEvent;
        }

        var small = LiveBytesAtTheEnd(3_000);
        var large = LiveBytesAtTheEnd(30_000);

        // Ten times the traces (about 200,000 events, ~60 MB of payload text) may not hold on to more than a few MB.
        Assert.True(large - small < 8 * 1024 * 1024, $"live memory grew from {small:N0} to {large:N0} bytes");
    }

    /// <summary>Drops rows, measuring live memory (after a full collection) once, at the last event.</summary>
    private sealed class CountingSink : IDecisionGraphSink
    {
        public long LiveBytesAtLastEvent { get; private set; }

        public void EventLog(in EventLogRow row) { }
        public void ProjectionCursor(in ProjectionCursorRow row)
        {
            if (LiveBytesAtLastEvent == 0)
            {
                LiveBytesAtLastEvent = GC.GetTotalMemory(forceFullCollection: true);
            }
        }

        public void GraphNode(in GraphNodeRow row) { }
        public void GraphEdge(in GraphEdgeRow row) { }
        public void TraceSummary(in TraceSummaryRow row) { }
        public void PolicyEval(in PolicyEvalRow row) { }
        public void Precedent(in PrecedentRow row) { }
        public void ProjectionDigest(in ProjectionDigestRow row) { }
        public void ProjectionFailure(in ProjectionFailureRow row) { }
        public void ProjectionRun(in ProjectionRunRow row) { }
        public void WorkflowRuntime(in WorkflowRuntimeRow row) { }
        public void WorkflowItem(in WorkflowItemRow row) { }
        public void WorkflowAction(in WorkflowActionRow row) { }
        public void WorkflowNotification(in WorkflowNotificationRow row) { }
    }
}
