namespace DecisionGraph.Double.Tests;

[Collection(PostgresCollection.Name)]
public sealed class ReplayTests(PostgresFixture postgres) : DoubleTest(postgres)
{
    private static object CatchUp(string projection = "trace_summary") =>
        new { mode = "catch_up", projection, reason = "self-hosted smoke test" };

    [Fact]
    public async Task a_catch_up_is_admitted_with_202_queued_and_really_advances_the_cursors()
    {
        // replay_controller.ex create/2: 202 %{run: result}; coordinator.ex job ids "replay-<n>"; write.ex catch_up/2.
        var first = await RealSchemaSample.AppendUnprojectedTraceAsync(Database, "default", "trace-late", 4, DateTimeOffset.UtcNow);

        var (status, body) = await PostAsync("/api/v1/admin/replays", CatchUp("all"));

        Assert.Equal(202, status);
        var run = body.GetProperty("data").GetProperty("run");
        Assert.Matches("^replay-[0-9]+$", run.GetProperty("job_id").GetString());
        Assert.Equal("queued", run.GetProperty("status").GetString());
        Assert.Equal("catch_up", run.GetProperty("mode").GetString());
        Assert.Equal("all", run.GetProperty("projection_name").GetString());
        Assert.Contains("\"reason\":\"self-hosted smoke test\"", run.GetProperty("metadata_json").GetString());

        var done = await WaitForRunAsync(run.GetProperty("job_id").GetString()!);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(12, done.GetProperty("processed_events").GetInt32()); // 4 new events, three projections
        Assert.Equal(first + 3, done.GetProperty("last_log_seq").GetInt64());
        Assert.Equal(3L, await ScalarAsync("select count(*) from dg_projection_cursors where tenant_id = 'default' and last_log_seq = $1", first + 3));
        Assert.Equal(first + 3, await ScalarAsync("select last_log_seq from dg_projection_digests where tenant_id = 'default' and projection_name = 'full_projection'"));
        var (_, health) = await GetAsync("/api/v1/projections/health");
        Assert.All(health.GetProperty("data").GetProperty("projections").EnumerateArray(), p => Assert.Equal(0, p.GetProperty("pending_events").GetInt64()));
    }

    [Fact]
    public async Task a_second_job_for_the_same_scope_answers_409_conflict_while_the_first_runs()
    {
        // coordinator.ex: Map.has_key?(state.scopes, {tenant, projection}) -> Error :conflict; errors.ex -> 409.
        var (s1, b1) = await PostAsync("/api/v1/admin/replays", CatchUp());
        var (s2, b2) = await PostAsync("/api/v1/admin/replays", CatchUp());
        var (s3, _) = await PostAsync("/api/v1/admin/replays", CatchUp("context_graph"));

        Assert.Equal(202, s1);
        Assert.Equal(409, s2);
        AssertError(b2, "conflict", "A replay job is already running for default/:trace_summary");
        Assert.Equal(202, s3);
        await WaitForRunAsync(b1.GetProperty("data").GetProperty("run").GetProperty("job_id").GetString()!);
        var (s4, _) = await PostAsync("/api/v1/admin/replays", CatchUp());
        Assert.Equal(202, s4);
    }

    [Fact]
    public async Task a_rebuild_is_refused_with_403_unless_the_deployment_allows_it()
    {
        // dg_api/.../api/admin.ex ensure_mode_enabled("rebuild"): allow_rebuild defaults to false.
        var (status, body) = await PostAsync("/api/v1/admin/replays", new { mode = "rebuild", projection = "all", reason = "untrusted after restore" });

        Assert.Equal(403, status);
        AssertError(body, "forbidden", "Projection rebuilds are disabled in this deployment");
        Assert.Equal(0L, await ScalarAsync("select count(*) from dg_projection_runs where mode = 'rebuild'"));
    }

    [Fact]
    public async Task the_body_is_validated_in_admin_ex_order()
    {
        // admin.ex start_replay/2: normalize_mode, normalize_projection, required_reason, authorize, ensure_mode_enabled.
        var (s1, b1) = await PostAsync("/api/v1/admin/replays", new { mode = "full", projection = "all", reason = "x" });
        Assert.Equal(400, s1);
        AssertError(b1, "invalid_argument", "mode must be catch_up or rebuild");

        var (s2, b2) = await PostAsync("/api/v1/admin/replays", new { mode = "catch_up", reason = "x" });
        Assert.Equal(400, s2);
        AssertError(b2, "invalid_argument", "projection is required");

        var (s3, b3) = await PostAsync("/api/v1/admin/replays", new { mode = "catch_up", projection = "all", reason = "  " });
        Assert.Equal(400, s3);
        AssertError(b3, "invalid_argument", "reason is required for replay and rebuild admin actions");

        var (s4, b4) = await PostAsync("/api/v1/admin/replays", new { mode = "rebuild", projection = "all", reason = "x" }, ReplayOnlyAdminToken);
        Assert.Equal(403, s4);
        AssertError(b4, "forbidden", "Service account lacks projection_rebuild permission");

        var (s5, b5) = await PostAsync("/api/v1/admin/replays", new { mode = "catch_up", projection = "graph", reason = "x" });
        Assert.Equal(400, s5);
        AssertError(b5, "invalid_argument", "Unknown projection 'graph'");
    }

    [Fact]
    public async Task replays_need_the_admin_role()
    {
        // router.ex: scope "/api/v1/admin" pipe_through :api_admin (ApiAuth roles: ["admin"]).
        var (status, body) = await PostAsync("/api/v1/admin/replays", CatchUp(), ReaderToken);

        Assert.Equal(403, status);
        AssertError(body, "forbidden", "Service account lacks required role");
    }

    [Fact]
    public async Task a_job_stops_at_an_open_failure_and_ends_failed_with_its_error()
    {
        // write.ex catch_up/2: an event that cannot be projected halts the batch; coordinator marks the run failed.
        var first = await RealSchemaSample.AppendUnprojectedTraceAsync(Database, "default", "trace-bad", 3, DateTimeOffset.UtcNow);
        await RealSchemaSample.AddOpenFailureAsync(Database, "default", "precedent_index", first + 1, recoverable: false);

        var (_, body) = await PostAsync("/api/v1/admin/replays", CatchUp("precedent_index"));
        var run = await WaitForRunAsync(body.GetProperty("data").GetProperty("run").GetProperty("job_id").GetString()!);

        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Equal("schema_violation", run.GetProperty("error_code").GetString());
        Assert.Equal(first, await ScalarAsync("select last_log_seq from dg_projection_cursors where tenant_id = 'default' and projection_name = 'precedent_index'"));
        var (_, health) = await GetAsync("/api/v1/projections/health");
        var precedent = health.GetProperty("data").GetProperty("projections").EnumerateArray().Single(p => p.GetProperty("projection_name").GetString() == "precedent_index");
        Assert.Equal(1, precedent.GetProperty("open_failures").GetInt64());
    }

    [Fact]
    public async Task the_fail_replays_fault_ends_every_job_failed_with_a_storage_error()
    {
        // support.ex wrap_error/1: Error :storage "Projection runtime error: ..."; admin.ex mark_run_failed!/4.
        Dg.Faults.FailReplays = true;

        var (_, body) = await PostAsync("/api/v1/admin/replays", CatchUp());
        var run = await WaitForRunAsync(body.GetProperty("data").GetProperty("run").GetProperty("job_id").GetString()!);

        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Equal("storage", run.GetProperty("error_code").GetString());
        Assert.StartsWith("Projection runtime error:", run.GetProperty("error_message").GetString());
    }

    [Fact]
    public async Task replay_status_is_tenant_scoped()
    {
        // BEAM_HTTP_API_CONTRACT.md: "If a caller knows a foreign tenant's job_id, the API should respond as 404 not_found."
        var (_, body) = await PostAsync("/api/v1/admin/replays", CatchUp(), tenant: "acme");
        var jobId = body.GetProperty("data").GetProperty("run").GetProperty("job_id").GetString()!;

        var (status, error) = await GetAsync($"/api/v1/admin/replays/{jobId}", AdminToken, "default");

        Assert.Equal(404, status);
        AssertError(error, "not_found", $"Replay job not found: {jobId}");
        await WaitForRunAsync(jobId, "acme");
    }

    [Fact]
    public async Task a_queued_or_running_job_is_an_open_run_in_projection_health()
    {
        // projector/admin.ex projection_health/1: open_runs = runs with status queued or running.
        var (_, body) = await PostAsync("/api/v1/admin/replays", CatchUp());
        var jobId = body.GetProperty("data").GetProperty("run").GetProperty("job_id").GetString()!;

        var (_, health) = await GetAsync("/api/v1/projections/health");

        var open = Assert.Single(health.GetProperty("data").GetProperty("open_runs").EnumerateArray());
        Assert.Equal(jobId, open.GetProperty("job_id").GetString());
        await WaitForRunAsync(jobId);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class RebuildAllowedTests(PostgresFixture postgres) : DoubleTest(postgres)
{
    protected override bool AllowRebuild => true;

    [Fact]
    public async Task with_allow_rebuild_a_rebuild_clears_the_projections_failures_and_catches_up()
    {
        // write.ex rebuild/2: clear_projection (cursor 0, failures of the projection deleted) then catch_up.
        var first = await RealSchemaSample.AppendUnprojectedTraceAsync(Database, "default", "trace-bad", 2, DateTimeOffset.UtcNow);
        await RealSchemaSample.AddOpenFailureAsync(Database, "default", "trace_summary", first, recoverable: false);

        var (status, body) = await PostAsync("/api/v1/admin/replays", new { mode = "rebuild", projection = "trace_summary", reason = "untrusted" });
        Assert.Equal(202, status);
        var run = await WaitForRunAsync(body.GetProperty("data").GetProperty("run").GetProperty("job_id").GetString()!);

        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(0L, await ScalarAsync("select count(*) from dg_projection_failures where tenant_id = 'default' and projection_name = 'trace_summary'"));
        Assert.Equal(first + 1, await ScalarAsync("select last_log_seq from dg_projection_cursors where tenant_id = 'default' and projection_name = 'trace_summary'"));
    }
}
