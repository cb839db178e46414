namespace DecisionGraph.Double.Tests;

[Collection(PostgresCollection.Name)]
public sealed class TraceTests(PostgresFixture postgres) : DoubleTest(postgres)
{
    [Fact]
    public async Task a_known_trace_answers_its_events_in_trace_seq_order_and_its_summary()
    {
        // traces.ex get_trace/2: %{events: Store.get_trace_events (ORDER BY trace_seq), summary: get_trace_summary}.
        var (status, body) = await GetAsync("/api/v1/traces/trace-default-001");

        Assert.Equal(200, status);
        var data = body.GetProperty("data");
        Assert.Equal([0, 1, 2, 3], data.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("trace_seq").GetInt32()));
        Assert.Equal("TraceFinished", data.GetProperty("events")[3].GetProperty("event_type").GetString());
        Assert.Equal("approved", data.GetProperty("summary").GetProperty("outcome").GetString());
        Assert.Equal(4, data.GetProperty("summary").GetProperty("event_count").GetInt32());
    }

    [Fact]
    public async Task an_unknown_trace_is_404()
    {
        // query.ex get_trace_summary/2: raise Error :not_found "Trace not found: id".
        var (status, body) = await GetAsync("/api/v1/traces/trace-nowhere");

        Assert.Equal(404, status);
        AssertError(body, "not_found", "Trace not found: trace-nowhere");
    }

    [Fact]
    public async Task a_trace_read_while_trace_summary_is_behind_is_409_projection_out_of_date()
    {
        // query.ex ensure_projection_current!/2: projection_cursor < event_cursor -> :projection_out_of_date (409).
        await RealSchemaSample.AppendUnprojectedTraceAsync(Database, "default", "trace-late", 2, DateTimeOffset.UtcNow);

        var (status, body) = await GetAsync("/api/v1/traces/trace-default-001");

        Assert.Equal(409, status);
        AssertError(body, "projection_out_of_date", "Projections at log_seq=20, events at 22");
    }
}

[Collection(PostgresCollection.Name)]
public sealed class ConsoleAndExportTests(PostgresFixture postgres) : DoubleTest(postgres)
{
    protected override bool OverdueWorkflow => true;

    [Fact]
    public async Task the_console_is_html_with_its_heading_and_loading_it_writes_the_workflow_runtime()
    {
        // dashboard_live.ex: "DecisionGraph Operator Console" / "Operator Console"; workflows.ex refresh_runtime!/1 writes.
        var before = await ScalarAsync("select updated_at from dg_workflow_runtime where tenant_id = 'default'");

        using var response = await Http.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.StartsWith("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<title>DecisionGraph Operator Console</title>", html);
        Assert.Contains("Operator Console", html);
        Assert.Contains("online", html);
        Assert.NotEqual(before, await ScalarAsync("select updated_at from dg_workflow_runtime where tenant_id = 'default'"));
        Assert.Equal("escalated", await ScalarAsync("select status from dg_workflow_items where tenant_id = 'default'"));
    }

    [Fact]
    public async Task the_console_fault_answers_500()
    {
        Dg.Faults.ConsoleStatus = 500;

        using var response = await Http.GetAsync("/");

        Assert.Equal(500, (int)response.StatusCode);
        Assert.DoesNotContain("Operator Console", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task a_workflow_export_has_export_version_1_and_the_workflow_with_its_actions_and_notifications()
    {
        // workflows.ex export_workflow/2.
        var (status, body) = await GetAsync("/api/v1/admin/workflows/trace-acme-001:exception:ex-1/export", AdminToken, "acme");

        Assert.Equal(200, status);
        var data = body.GetProperty("data");
        Assert.Equal(1, data.GetProperty("export_version").GetInt32());
        Assert.Equal("trace-acme-001:exception:ex-1", data.GetProperty("workflow").GetProperty("workflow_id").GetString());
        Assert.Equal("trace-acme-001", data.GetProperty("trace_reference").GetProperty("trace_id").GetString());
        var audit = data.GetProperty("audit_summary");
        Assert.False(audit.GetProperty("closed?").GetBoolean());
        Assert.Equal("exception_review", audit.GetProperty("workflow_kind").GetString());
        // The overdue item was escalated by the export's own refresh (SLA sweep): one more action and notification.
        Assert.Equal(2, audit.GetProperty("action_count").GetInt32());
        Assert.Equal(2, data.GetProperty("workflow_notifications").GetArrayLength());
        Assert.Equal("escalated", data.GetProperty("workflow").GetProperty("status").GetString());
    }

    [Fact]
    public async Task an_export_needs_the_workflow_export_permission_and_a_known_workflow()
    {
        // workflows.ex authorize_action(actor, "export") -> "workflow_export"; get_workflow/2 -> not_found.
        var (s1, b1) = await GetAsync("/api/v1/admin/workflows/trace-acme-001:exception:ex-1/export", ReplayOnlyAdminToken, "acme");
        Assert.Equal(403, s1);
        AssertError(b1, "forbidden", "Service account lacks workflow_export permission");

        var (s2, b2) = await GetAsync("/api/v1/admin/workflows/nope/export", AdminToken, "acme");
        Assert.Equal(404, s2);
        AssertError(b2, "not_found", "Workflow not found: nope");
    }
}
