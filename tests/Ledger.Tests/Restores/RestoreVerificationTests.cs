using Ledger.Agent.Repositories;
using System.Security.Cryptography;
using Ledger.Agent;
using Ledger.Agent.Restores;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Fidelity;
using Ledger.Contracts.Restores;

namespace Ledger.Tests.Restores;

public sealed class when_projection_state_is_read_after_a_restore
{
    private static readonly SchemaReading Known = new(true, true, DecisionGraphSchemaVersions.Known, []);
    private const string D40 = "sha256:4040404040404040404040404040404040404040404040404040404040404040";

    private static ProjectionState Healthy()
    {
        string[] names = ["context_graph", "trace_summary", "precedent_index"];
        return new ProjectionState(Known,
            [new TenantHead("acme", 40, 20)],
            [.. names.Select(n => new ProjectionCursor("acme", n, 40))],
            [.. names.Append("full_projection").Select(n => new ProjectionDigest("acme", n, D40, 40))],
            [], []);
    }

    [Fact]
    public void cursors_at_the_head_with_digests_at_the_cursor_and_nothing_open_are_healthy()
    {
        var assessment = ProjectionHealth.Assess(Healthy());
        Assert.True(assessment.Healthy);
        Assert.False(assessment.NeedsRebuild);
        Assert.Equal(["acme"], assessment.Tenants);
    }

    [Fact]
    public void a_database_without_an_event_log_is_not_decisiongraphs()
    {
        var assessment = ProjectionHealth.Assess(new ProjectionState(SchemaReading.NotDecisionGraph, [], [], [], [], []));
        Assert.False(assessment.Applies);
        Assert.False(assessment.NeedsRebuild);
    }

    [Fact]
    public void a_cursor_behind_the_head_is_behind_needs_a_catch_up_and_no_rebuild()
    {
        // admin.ex: pending_events = max(head - cursor, 0).
        var state = Healthy() with
        {
            Cursors = [new ProjectionCursor("acme", "context_graph", 30), new ProjectionCursor("acme", "trace_summary", 40), new ProjectionCursor("acme", "precedent_index", 40)],
            Digests = [new ProjectionDigest("acme", "context_graph", D40, 30), .. Healthy().Digests.Skip(1).Take(2),
                new ProjectionDigest("acme", "full_projection", D40, 30)],
        };
        var assessment = ProjectionHealth.Assess(state);
        Assert.True(assessment.Behind);
        Assert.True(assessment.NeedsCatchUp);
        Assert.False(assessment.NeedsRebuild);
        Assert.Contains("tenant acme: context_graph at log_seq 30 of 40 (10 pending)", assessment.Findings);
    }

    [Fact]
    public void a_projection_without_a_cursor_row_stands_at_zero()
    {
        // store.ex get_projection_cursor/2: no row is 0.
        var assessment = ProjectionHealth.Assess(Healthy() with { Cursors = Healthy().Cursors.Skip(1).ToList() });
        Assert.True(assessment.Behind);
        Assert.Contains("tenant acme: context_graph at log_seq 0 of 40 (40 pending)", assessment.Findings);
    }

    [Fact]
    public void open_failures_and_stuck_runs_make_projections_untrusted()
    {
        var failing = ProjectionHealth.Assess(Healthy() with { Failures = [new OpenFailures("acme", "precedent_index", 2)] });
        Assert.True(failing.NeedsRebuild);
        Assert.Contains("tenant acme: 2 open projection failure(s) in precedent_index", failing.Findings);
        var stuck = ProjectionHealth.Assess(Healthy() with { Runs = [new OpenRun("acme", "replay-7", "all", "catch_up", "running", "2026-03-07T10:00:00Z")] });
        Assert.True(stuck.Untrusted);
        Assert.Contains(stuck.Findings, f => f.Contains("replay-7") && f.Contains("still running"));
    }

    [Fact]
    public void a_digest_missing_malformed_or_not_at_its_cursor_is_untrusted()
    {
        Assert.True(ProjectionHealth.Assess(Healthy() with { Digests = Healthy().Digests.Skip(1).ToList() }).Untrusted);
        Assert.True(ProjectionHealth.Assess(Healthy() with { Digests = [new ProjectionDigest("acme", "context_graph", "ab", 40), .. Healthy().Digests.Skip(1)] }).Untrusted);
        var moved = ProjectionHealth.Assess(Healthy() with { Digests = [new ProjectionDigest("acme", "context_graph", D40, 39), .. Healthy().Digests.Skip(1)] });
        Assert.True(moved.Untrusted);
        Assert.Contains("tenant acme: context_graph digest at log_seq 39, its cursor at 40", moved.Findings);
        var ahead = ProjectionHealth.Assess(Healthy() with { Heads = [new TenantHead("acme", 35, 18)] });
        Assert.Contains(ahead.Findings, f => f.Contains("past the log's head"));
    }

    [Fact]
    public void an_unknown_schema_is_a_finding_that_names_what_is_missing_never_a_pass()
    {
        var unknown = new SchemaReading(true, false, [20260307000100], ["missing column dg_projection_digests.digest_value", "schema_migrations lacks version(s) 20260307000600"]);
        var assessment = ProjectionHealth.Assess(new ProjectionState(unknown, [], [], [], [], []));
        var check = VerificationChecks.ProjectionState(assessment, null, null, 1);

        Assert.True(assessment.Missing);
        Assert.Equal(CheckOutcomes.Failed, check.Outcome);
        Assert.Contains("missing column dg_projection_digests.digest_value", check.Detail);
        Assert.Contains("unknown schema: schema_migrations lacks version(s) 20260307000600", check.Findings);
    }
}

public sealed class when_decisiongraph_answers_about_projection_health
{
    // projector/admin.ex projection_health/1 rendered by projection_controller.ex.
    private const string Healthy = """
        {"data": {"tenant_id": "acme", "event_log_last_seq": 40, "projections": [
            {"projection_name": "trace_summary", "last_log_seq": 40, "pending_events": 0, "is_stale": false, "updated_at": "2026-03-07T10:00:00.1Z",
             "digest": "sha256:ab", "open_failures": 0}],
         "open_runs": [], "full_digest": "sha256:cd"}, "request_id": "req-1"}
        """;

    [Fact]
    public void current_projections_with_digests_are_healthy()
    {
        var (assessment, error) = ProjectionHealth.AssessApplication("acme", 200, Healthy);
        Assert.Null(error);
        Assert.True(assessment!.Healthy);
    }

    [Fact]
    public void stale_projections_are_behind_and_failures_missing_digests_or_open_runs_untrusted()
    {
        var (stale, _) = ProjectionHealth.AssessApplication("acme", 200, Healthy.Replace("\"is_stale\": false", "\"is_stale\": true"));
        Assert.True(stale!.Behind);
        var (failing, _) = ProjectionHealth.AssessApplication("acme", 200, Healthy.Replace("\"open_failures\": 0", "\"open_failures\": 3"));
        Assert.True(failing!.Untrusted);
        Assert.Contains("tenant acme: DecisionGraph reports 3 open failure(s) in trace_summary", failing.Findings);
        var (undigested, _) = ProjectionHealth.AssessApplication("acme", 200, Healthy.Replace("\"digest\": \"sha256:ab\"", "\"digest\": null"));
        Assert.True(undigested!.Untrusted);
        var (running, _) = ProjectionHealth.AssessApplication("acme", 200, Healthy.Replace("\"open_runs\": []", "\"open_runs\": [{\"job_id\": \"replay-3\", \"status\": \"running\"}]"));
        Assert.True(running!.Untrusted);
    }

    [Fact]
    public void an_error_answer_or_a_body_outside_the_envelope_breaks_the_contract()
    {
        var (none, unauthorized) = ProjectionHealth.AssessApplication("acme", 401, """{"error": {"code": "unauthorized", "message": "Unknown service account token", "details": {}}, "request_id": "r"}""");
        Assert.Null(none);
        Assert.Equal("tenant acme: HTTP 401 (unauthorized: Unknown service account token)", unauthorized);
        Assert.Contains("envelope", ProjectionHealth.AssessApplication("acme", 200, """{"projections": []}""").Error);
        Assert.Contains("not JSON", ProjectionHealth.AssessApplication("acme", 200, "<html>").Error);
    }

    [Fact]
    public void healthz_200_with_the_database_down_fails_and_says_why()
    {
        // health_controller.ex answers 200 whatever; health.ex and store.ex put the truth in the body.
        const string down = """{"store": {"repo_started?": false}, "projection_health": {"status": "unavailable", "reason": "connection refused"}}""";
        var check = VerificationChecks.ApplicationHealth(200, down, null);
        Assert.Equal(CheckOutcomes.Failed, check.Outcome);
        Assert.Contains("repo_started?\"] is false", check.Detail);
        Assert.Contains("projection_health is unavailable: connection refused", check.Detail);
        Assert.Equal(CheckOutcomes.Passed, VerificationChecks.ApplicationHealth(200,
            """{"store": {"repo_started?": true}, "projection_health": {"tenant_id": "default", "projections": []}}""", null).Outcome);
        Assert.Equal(CheckOutcomes.Failed, VerificationChecks.ApplicationHealth(503, "", null).Outcome);
    }

    [Fact]
    public void a_replay_answer_gives_its_run()
    {
        var run = DecisionGraphClient.RunOf("""{"data": {"run": {"job_id": "replay-12", "status": "failed", "error_code": "storage", "error_message": "boom", "processed_events": 3, "last_log_seq": 9}}, "request_id": "r"}""");
        Assert.Equal(new ReplayRun("replay-12", "failed", "storage", "boom", 3, 9), run);
        Assert.True(run!.Finished);
        Assert.Null(DecisionGraphClient.RunOf("""{"error": {"code": "forbidden"}}"""));
    }
}

public sealed class when_the_rebuild_is_decided
{
    private static readonly ProjectionAssessment Clean = new(true, false, false, false, ["ok"], ["acme"]);
    private static readonly ProjectionAssessment Behind = new(true, false, true, false, ["behind"], ["acme"]);
    private static readonly ProjectionAssessment Untrusted = new(true, false, false, true, ["tenant acme: 1 open projection failure(s) in trace_summary"], ["acme"]);

    [Fact]
    public void projections_only_behind_are_caught_up_not_rebuilt()
    {
        var decision = RebuildDecision.Decide(Behind, Behind, true, true, "staging/app");
        Assert.Equal((false, false), (decision.Needed, decision.Request));
    }

    [Fact]
    public void untrusted_projections_are_rebuilt_when_decisiongraph_is_configured_and_allowed()
    {
        Assert.True(RebuildDecision.Decide(Untrusted, null, true, true, "staging/app").Request);
        var fromApplication = RebuildDecision.Decide(Clean, Untrusted, true, true, "staging/app");
        Assert.True(fromApplication.Request);
        Assert.Contains("DecisionGraph: tenant acme: 1 open projection failure(s)", fromApplication.Reason);
    }

    [Fact]
    public void a_needed_rebuild_without_decisiongraph_or_permission_is_not_asked_for_and_says_why()
    {
        var unconfigured = RebuildDecision.Decide(Untrusted, null, false, true, "staging/app");
        Assert.Equal((true, false), (unconfigured.Needed, unconfigured.Request));
        Assert.Contains("no DecisionGraph URL", unconfigured.Reason);
        Assert.Contains("AllowProjectionRebuild", RebuildDecision.Decide(Untrusted, Clean, true, false, "staging/app").Reason);
    }
}

public sealed class when_the_checks_are_concluded
{
    private static readonly ProjectionAssessment Behind = new(true, false, true, false, ["behind"], ["acme"]);
    private static readonly ProjectionAssessment Clean = new(true, false, false, false, ["ok"], ["acme"]);
    private static readonly ProjectionAssessment Untrusted = new(true, false, false, true, ["open failure"], ["acme"]);

    [Fact]
    public void projections_the_catch_up_fixed_are_repaired_and_the_verification_passes()
    {
        IReadOnlyList<VerificationCheck> checks =
        [
            VerificationChecks.ProjectionState(Behind, null, Clean, 1),
            VerificationChecks.CatchUp(null, new ReplayOutcome(["replay-1"], [new ReplayRun("replay-1", "completed", null, null, 12, 40)], null, []), 5),
            VerificationChecks.Rebuild(null, RebuildDecision.Decide(Clean, Clean, true, true, "t"), null, Clean, Clean),
        ];
        Assert.Equal([CheckOutcomes.Repaired, CheckOutcomes.Passed, CheckOutcomes.Passed], checks.Select(c => c.Outcome));
        Assert.True(VerificationChecks.Verdict(checks).Passed);
    }

    [Fact]
    public void a_rebuild_refused_with_403_fails_with_decisiongraphs_reason_and_is_never_repaired()
    {
        var decision = new RebuildDecision(true, true, "needed: open failure");
        var refused = new ReplayOutcome([], [], "403 forbidden: Projection rebuilds are disabled in this deployment", ["tenant acme: ..."]);
        IReadOnlyList<VerificationCheck> checks =
        [
            VerificationChecks.ProjectionState(Untrusted, null, Untrusted, 1),
            VerificationChecks.Rebuild(null, decision, refused, Untrusted, null),
        ];
        Assert.Equal([CheckOutcomes.Failed, CheckOutcomes.Failed], checks.Select(c => c.Outcome));
        Assert.Equal("DecisionGraph refused the rebuild: 403 forbidden: Projection rebuilds are disabled in this deployment", checks[1].Detail);
        var (passed, reason) = VerificationChecks.Verdict(checks);
        Assert.False(passed);
        Assert.Contains(CheckNames.ProjectionRebuild, reason);
    }

    [Fact]
    public void a_catch_up_job_that_ends_failed_fails_the_check_with_the_job_and_its_error()
    {
        var check = VerificationChecks.CatchUp(null, new ReplayOutcome(["replay-4"], [new ReplayRun("replay-4", "failed", "storage", "boom", 0, 0)], null,
            ["tenant acme: catch_up job replay-4 ended failed (storage: boom)"]), 9);
        Assert.Equal(CheckOutcomes.Failed, check.Outcome);
        Assert.Equal("tenant acme: catch_up job replay-4 ended failed (storage: boom)", check.Detail);
    }

    [Fact]
    public void fidelity_is_skipped_without_a_fingerprint_and_names_each_difference_otherwise()
    {
        Assert.Equal(CheckOutcomes.Skipped, VerificationChecks.Fidelity(null, null, null, 0).Outcome);
        var fingerprint = new DatabaseFingerprint("db", "15", [], [], [], "h", DateTimeOffset.UnixEpoch, 1);
        Assert.Equal(CheckOutcomes.Passed, VerificationChecks.Fidelity(fingerprint, new FingerprintDiff(true, [], [], []), null, 5).Outcome);
        var diff = new FingerprintDiff(false, [new TableDifference("public", "dg_event_log", "row-count", 300, 299, [])],
            [new SequenceDifference("public", "dg_event_log_log_seq_seq", 300, 299)], []);
        var failed = VerificationChecks.Fidelity(fingerprint, diff, null, 5);
        Assert.Equal(CheckOutcomes.Failed, failed.Outcome);
        Assert.Contains("table public.dg_event_log: row-count (backup 300, restored 299)", failed.Findings);
        Assert.Equal(2, failed.Findings.Count);
    }
}

public sealed class when_the_restored_point_in_time_is_judged
{
    private static readonly DecisionGraphMarks AtBackup = new(120, "acme", "2026-03-07T10:00:00.5Z", "acme", "trc_1", 118, "trc_1:exception:ex-1", "2026-03-07T09:59:00Z");

    [Fact]
    public void the_same_newest_rows_are_plausible()
    {
        // The same instant written with another fraction length is the same point in time.
        var check = Plausibility.Compare(AtBackup, AtBackup with { NewestRecordedAt = "2026-03-07T10:00:00.500000Z" }, null, 3);
        Assert.Equal(CheckOutcomes.Passed, check.Outcome);
        Assert.Equal(3, check.Findings.Count);
    }

    [Fact]
    public void a_restored_database_newer_than_its_backup_fails_naming_both_values()
    {
        var check = Plausibility.Compare(AtBackup, AtBackup with { NewestLogSeq = 121, NewestRecordedAt = "2026-03-07T10:00:01Z" }, null, 3);
        Assert.Equal(CheckOutcomes.Failed, check.Outcome);
        Assert.Contains("newer than its backup", check.Detail);
        Assert.Contains("event log_seq 121 after the backup's 120", check.Detail);
        Assert.Contains("event recorded_at 2026-03-07T10:00:01Z after the backup's 2026-03-07T10:00:00.5Z", check.Detail);
    }

    [Fact]
    public void an_older_one_fails_too_and_a_backup_without_readings_is_skipped()
    {
        Assert.Contains("older than its backup", Plausibility.Compare(AtBackup, AtBackup with { NewestTraceLastLogSeq = 100 }, null, 1).Detail);
        Assert.Equal(CheckOutcomes.Skipped, Plausibility.Compare(null, AtBackup, null, 1).Outcome);
    }

    [Theory]
    [InlineData("2026-03-07T10:00:00Z", "2026-03-07T10:00:00.05Z")]
    [InlineData("2026-03-07T10:00:00.45Z", "2026-03-07T10:00:00.5Z")]
    [InlineData("2026-03-07T11:00:00+02:00", "2026-03-07T10:00:00Z")]
    public void rfc3339_texts_are_compared_as_instants_not_as_strings(string earlier, string later)
    {
        Assert.True(Plausibility.Parse(earlier) < Plausibility.Parse(later));
    }

    [Fact]
    public void decisiongraphs_format_trims_the_fraction()
    {
        Assert.Equal("2026-03-07T10:00:00.12Z", Plausibility.Format(new DateTimeOffset(2026, 3, 7, 10, 0, 0, 120, TimeSpan.Zero)));
        Assert.Equal("2026-03-07T10:00:00Z", Plausibility.Format(new DateTimeOffset(2026, 3, 7, 10, 0, 0, TimeSpan.Zero)));
        Assert.Null(Plausibility.Parse("yesterday"));
    }
}

public sealed class when_a_plan_estimates_the_data_a_restore_would_lose
{
    private static readonly TableRowCount[] Backup =
    [
        new("public", "dg_event_log", 300), new("public", "dg_projection_cursors", 4), new("public", "dg_workflow_items", 20),
    ];

    [Fact]
    public void a_target_that_does_not_exist_loses_nothing()
    {
        var loss = DataLoss.Estimate(Backup, null);
        Assert.Equal(0, loss.RowsAtRisk);
        Assert.Contains("does not exist", loss.Summary);
    }

    [Fact]
    public void rows_and_events_written_since_the_backup_are_counted_and_tables_outside_the_backup_named()
    {
        var loss = DataLoss.Estimate(Backup, new TargetContents(
            [new("public", "dg_event_log", 312), new("public", "dg_projection_cursors", 4), new("public", "dg_workflow_items", 18),
             new("public", "scratch", 7)], 312));

        Assert.Equal(12, loss.RowsAtRisk);
        Assert.Equal(12, loss.EventsSinceBackup);
        Assert.Equal(1, loss.UnchangedTables);
        Assert.Equal(
            [("dg_event_log", "more rows now"), ("dg_workflow_items", "fewer rows now"), ("scratch", "only in target")],
            loss.Tables.Select(t => (t.Table, t.Change)));
        Assert.Contains("At least 12 row(s) in 1 table(s)", loss.Summary);
        Assert.Contains("12 event(s)", loss.Summary);
        Assert.Contains("left as they are", loss.Summary);
    }

    [Fact]
    public void a_target_with_no_more_rows_than_the_backup_says_nothing_new_is_visible()
    {
        var loss = DataLoss.Estimate(Backup, new TargetContents(Backup, 300));
        Assert.Equal((0L, 0L, 3), (loss.RowsAtRisk, loss.EventsSinceBackup!.Value, loss.UnchangedTables));
        Assert.Empty(loss.Tables);
        Assert.Contains("rows changed in place would still be lost", loss.Summary);
    }
}

public sealed class when_the_agent_checks_an_artifact_before_a_restore : IDisposable
{
    private readonly string _repository = Path.Combine(Path.GetTempPath(), $"dgledger-artifact-{Guid.NewGuid():N}");
    private readonly string _path;
    private readonly byte[] _bytes = RandomNumberGenerator.GetBytes(100_000);
    private readonly BackupRepositories _repositories;

    public when_the_agent_checks_an_artifact_before_a_restore()
    {
        Directory.CreateDirectory(_repository);
        _path = Path.Combine(_repository, "a.dump");
        File.WriteAllBytes(_path, _bytes);
        _repositories = new BackupRepositories(new AgentOptions { Id = "a1", Repository = _repository, WorkDirectory = _repository },
            KeyRing.Empty, Microsoft.Extensions.Logging.Abstractions.NullLogger<BackupRepositories>.Instance);
    }

    private RestoreArtifact Artifact() => new(Guid.NewGuid(), "prod", "app", _path, _bytes.Length,
        Convert.ToHexStringLower(SHA256.HashData(_bytes)), DateTimeOffset.UnixEpoch, [], null);

    private async Task<string?> ProblemAsync(RestoreArtifact artifact) =>
        (await ArtifactCheck.FetchAsync(_repositories, artifact, Guid.NewGuid(), CancellationToken.None)).Problem;

    [Fact]
    public async Task an_intact_artifact_passes() => Assert.Null(await ProblemAsync(Artifact()));

    [Fact]
    public async Task one_flipped_byte_is_a_sha256_mismatch()
    {
        var artifact = Artifact();
        _bytes[54_321] ^= 0x80;
        await File.WriteAllBytesAsync(_path, _bytes);
        Assert.Contains("SHA-256 mismatch", await ProblemAsync(artifact));
    }

    [Fact]
    public async Task a_truncated_or_missing_file_is_named_as_such()
    {
        var artifact = Artifact();
        await File.WriteAllBytesAsync(_path, _bytes[..99_000]);
        Assert.Contains("truncated", await ProblemAsync(artifact));
        File.Delete(_path);
        Assert.Contains("does not exist", await ProblemAsync(artifact));
    }

    public void Dispose()
    {
        _repositories.Dispose();
        Directory.Delete(_repository, recursive: true);
    }
}

public sealed class when_the_agent_receives_a_restore
{
    private static readonly AgentOptions Options = new() { Id = "a1", Databases = [new() { Name = "app", Environment = "staging" }] };

    private static RestoreBackup Request(string host) => new(Guid.NewGuid(),
        new RestoreArtifact(Guid.NewGuid(), "prod", "app", "/r/x.dump", 10, "ab", DateTimeOffset.UnixEpoch, [], null),
        new RestoreTarget("staging", "copy", host, DatabaseRoles.NonPrimary, false), DateTimeOffset.UnixEpoch);

    [Fact]
    public void a_target_on_a_server_it_does_not_manage_fails_at_once_without_touching_anything()
    {
        var failed = Assert.IsType<RestoreFailed>(Assert.Single(RestoreHandler.Handle(Request("billing"), Options, DateTimeOffset.UnixEpoch)));
        Assert.Equal((RestoreStages.Accept, false), (failed.Stage, failed.TargetTouched));
    }

    [Fact]
    public void a_request_that_waited_too_long_for_an_agent_is_not_run()
    {
        var request = Request("app");
        var failed = Assert.IsType<RestoreFailed>(Assert.Single(RestoreHandler.Handle(request, Options,
            request.RequestedAt + RestoreTimings.MaxQueueAge + TimeSpan.FromMinutes(1))));
        Assert.Equal((RestoreStages.Accept, false), (failed.Stage, failed.TargetTouched));
        Assert.Contains("request it again", failed.Reason);
    }

    [Fact]
    public void a_managed_host_is_started_and_handed_to_the_prepare_step()
    {
        var request = Request("app");
        var now = request.RequestedAt.AddSeconds(2);
        Assert.Equal([new RestoreStarted(request.RestoreId, "a1", now), new PrepareRestore(request, now)],
            RestoreHandler.Handle(request, Options, now).ToList());
    }

    [Fact]
    public void decisiongraph_settings_are_checked_without_echoing_the_token()
    {
        var options = new AgentOptions
        {
            Id = "a1", Repository = "/r", RestoreJobs = 0,
            Databases =
            [
                new() { Name = "app", Environment = "prod", ConnectionString = "Host=h;Username=u", DecisionGraphUrl = "ftp://dg", DecisionGraphToken = "s3cret-token" },
                new() { Name = "b", Environment = "prod", ConnectionString = "Host=h;Username=u", DecisionGraphUrl = "https://dg.example" },
                new() { Name = "c", Environment = "prod", ConnectionString = "Host=h;Username=u", MaintenanceDatabase = "bad name" },
            ],
        };
        var problems = string.Join("\n", options.Problems());
        Assert.Contains("Agent:RestoreJobs", problems);
        Assert.Contains("Agent:Databases:0:DecisionGraphUrl", problems);
        Assert.Contains("Agent:Databases:1:DecisionGraphToken is required", problems);
        Assert.Contains("Agent:Databases:2:MaintenanceDatabase", problems);
        Assert.DoesNotContain("s3cret-token", problems);
    }
}
