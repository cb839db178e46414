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
    private static readonly ProjectionTables AllTables = new(true, true, true, true);

    private static ProjectionState Healthy() => new(AllTables,
        [new TenantHead("acme", 40, 20), new TenantHead("default", 41, 20)],
        [new ProjectionCursor("acme", "cg_nodes", 40), new ProjectionCursor("default", "cg_nodes", 41)],
        [new ProjectionDigest("acme", "cg_nodes", 40), new ProjectionDigest("default", "cg_nodes", 41)],
        []);

    [Fact]
    public void cursors_at_the_head_with_digests_and_no_open_failures_are_healthy()
    {
        var assessment = ProjectionHealth.Assess(Healthy());
        Assert.True(assessment.Healthy);
        Assert.False(assessment.NeedsRebuild);
        Assert.Equal(["acme", "default"], assessment.Tenants);
    }

    [Fact]
    public void a_database_without_an_event_log_is_not_decisiongraphs()
    {
        var assessment = ProjectionHealth.Assess(new ProjectionState(new ProjectionTables(false, false, false, false), [], [], [], []));
        Assert.False(assessment.Applies);
        Assert.False(assessment.NeedsRebuild);
    }

    [Fact]
    public void a_cursor_behind_the_head_is_behind_and_named()
    {
        var state = Healthy() with { Cursors = [new ProjectionCursor("acme", "cg_nodes", 30), new ProjectionCursor("default", "cg_nodes", 41)] };
        var assessment = ProjectionHealth.Assess(state);
        Assert.True(assessment.Behind);
        Assert.Contains("tenant acme: cg_nodes at log_seq 30 of 40 (10 behind)", assessment.Findings);
    }

    [Fact]
    public void a_tenant_with_events_and_no_cursor_has_nothing_projected()
    {
        var assessment = ProjectionHealth.Assess(Healthy() with { Cursors = [new ProjectionCursor("acme", "cg_nodes", 40)] });
        Assert.True(assessment.Behind);
        Assert.Contains(assessment.Findings, f => f.StartsWith("tenant default:", StringComparison.Ordinal) && f.Contains("no projection cursor"));
    }

    [Fact]
    public void open_failures_are_counted_without_making_projections_untrusted()
    {
        var assessment = ProjectionHealth.Assess(Healthy() with { Failures = [new OpenFailures("acme", 2)] });
        Assert.False(assessment.Untrusted);
        Assert.Contains("tenant acme: 2 open projection failure(s)", assessment.Findings);
    }

    [Fact]
    public void a_tenant_wide_digest_at_the_head_covers_every_projection() =>
        Assert.False(ProjectionHealth.Assess(Healthy() with
        {
            Digests = [new ProjectionDigest("acme", "event_chain", 45), new ProjectionDigest("default", "event_chain", 41)],
        }).Untrusted);

    [Fact]
    public void a_missing_digest_or_a_cursor_past_the_head_make_projections_untrusted()
    {
        Assert.True(ProjectionHealth.Assess(Healthy() with { Digests = [new ProjectionDigest("acme", "cg_nodes", 40)] }).Untrusted);
        var ahead = ProjectionHealth.Assess(Healthy() with { Cursors = [new ProjectionCursor("acme", "cg_nodes", 45), new ProjectionCursor("default", "cg_nodes", 41)] });
        Assert.True(ahead.Untrusted);
        Assert.Contains(ahead.Findings, f => f.Contains("past the log's head"));
    }

    [Fact]
    public void missing_projection_tables_need_a_rebuild()
    {
        var assessment = ProjectionHealth.Assess(Healthy() with { Tables = AllTables with { Digests = false }, Digests = [] });
        Assert.True(assessment.Missing);
        Assert.True(assessment.NeedsRebuild);
        Assert.Contains("missing table(s): dg_projection_digests", assessment.Findings);
    }
}

public sealed class when_decisiongraph_answers_about_projection_health
{
    private const string Healthy = """
        {"data": {"tenant_id": "acme", "event_log_last_seq": 40, "projections": [
            {"projection_name": "cg_nodes", "last_log_seq": 40, "pending_events": 0, "is_stale": false, "digest": "ab", "open_failures": 0}],
         "open_runs": []}, "request_id": "req-1"}
        """;

    [Fact]
    public void current_projections_with_digests_are_healthy()
    {
        var (assessment, error) = ProjectionHealth.AssessApplication("acme", 200, Healthy);
        Assert.Null(error);
        Assert.True(assessment!.Healthy);
    }

    [Fact]
    public void stale_projections_are_behind_and_failures_or_missing_digests_untrusted()
    {
        var (stale, _) = ProjectionHealth.AssessApplication("acme", 200, Healthy.Replace("\"is_stale\": false", "\"is_stale\": true"));
        Assert.True(stale!.Behind);
        var (failing, _) = ProjectionHealth.AssessApplication("acme", 200, Healthy.Replace("\"open_failures\": 0", "\"open_failures\": 3"));
        Assert.True(failing!.Untrusted);
        Assert.Contains("tenant acme: DecisionGraph reports 3 open failure(s) in cg_nodes", failing.Findings);
        var (undigested, _) = ProjectionHealth.AssessApplication("acme", 200, Healthy.Replace("\"digest\": \"ab\"", "\"digest\": null"));
        Assert.True(undigested!.Untrusted);
    }

    [Fact]
    public void an_error_answer_or_a_body_outside_the_envelope_breaks_the_contract()
    {
        var (none, unauthorized) = ProjectionHealth.AssessApplication("acme", 401, """{"error": {"code": "unauthorized", "message": "bad token"}, "request_id": "r"}""");
        Assert.Null(none);
        Assert.Equal("tenant acme: HTTP 401 (unauthorized: bad token)", unauthorized);
        Assert.Contains("envelope", ProjectionHealth.AssessApplication("acme", 200, """{"projections": []}""").Error);
        Assert.Contains("not JSON", ProjectionHealth.AssessApplication("acme", 200, "<html>").Error);
    }
}

public sealed class when_the_rebuild_is_decided
{
    private static readonly ProjectionAssessment Clean = new(true, false, false, false, ["ok"], ["acme"]);
    private static readonly ProjectionAssessment Behind = new(true, false, true, false, ["behind"], ["acme"]);

    [Fact]
    public void healthy_projections_need_no_rebuild_and_say_why()
    {
        var decision = RebuildDecision.Decide(Clean, Clean, true, true, "staging/app");
        Assert.Equal((false, false), (decision.Needed, decision.Request));
        Assert.Contains("DecisionGraph agrees", decision.Reason);
    }

    [Fact]
    public void projections_that_need_it_are_rebuilt_when_decisiongraph_is_configured_and_allowed()
    {
        Assert.True(RebuildDecision.Decide(Behind, null, true, true, "staging/app").Request);
        // DecisionGraph alone can say so.
        var fromApplication = RebuildDecision.Decide(Clean, Behind, true, true, "staging/app");
        Assert.True(fromApplication.Request);
        Assert.Contains("DecisionGraph: projections behind", fromApplication.Reason);
    }

    [Fact]
    public void a_needed_rebuild_without_decisiongraph_or_permission_is_not_asked_for_and_says_why()
    {
        var unconfigured = RebuildDecision.Decide(Behind, null, false, true, "staging/app");
        Assert.Equal((true, false), (unconfigured.Needed, unconfigured.Request));
        Assert.Contains("no DecisionGraph URL", unconfigured.Reason);
        Assert.Contains("AllowProjectionRebuild", RebuildDecision.Decide(Behind, Clean, true, false, "staging/app").Reason);
    }
}

public sealed class when_the_checks_are_concluded
{
    private static readonly ProjectionAssessment Behind = new(true, false, true, false, ["behind"], ["acme"]);

    [Fact]
    public void problems_a_rebuild_fixed_are_repaired_and_the_verification_passes()
    {
        var decision = new RebuildDecision(true, true, "needed: behind");
        IReadOnlyList<VerificationCheck> checks =
        [
            VerificationChecks.ProjectionState(Behind, null, repaired: true, 1),
            VerificationChecks.Rebuild(decision, new RebuildResult(["acme"], ["job-1"], true, [], 10)),
        ];
        Assert.Equal([CheckOutcomes.Repaired, CheckOutcomes.Passed], checks.Select(c => c.Outcome));
        Assert.True(VerificationChecks.Verdict(checks).Passed);
    }

    [Fact]
    public void a_rebuild_that_does_not_bring_health_back_fails_and_the_verdict_names_it()
    {
        var decision = new RebuildDecision(true, true, "needed: behind");
        IReadOnlyList<VerificationCheck> checks =
        [
            VerificationChecks.ProjectionState(Behind, null, repaired: false, 1),
            VerificationChecks.Rebuild(decision, new RebuildResult(["acme"], ["job-1"], false, ["still behind"], 3000)),
        ];
        Assert.Equal([CheckOutcomes.Failed, CheckOutcomes.Failed], checks.Select(c => c.Outcome));
        var (passed, reason) = VerificationChecks.Verdict(checks);
        Assert.False(passed);
        Assert.Contains(CheckNames.ProjectionState, reason);
        Assert.Contains(CheckNames.ProjectionRebuild, reason);
    }

    [Fact]
    public void a_needed_rebuild_that_could_not_be_asked_for_is_skipped_with_its_reason_and_leaves_the_problem_failed()
    {
        var check = VerificationChecks.Rebuild(new RebuildDecision(true, false, "needed, but no DecisionGraph URL"), null);
        Assert.Equal((CheckOutcomes.Skipped, "needed, but no DecisionGraph URL"), (check.Outcome, check.Detail));
        Assert.Equal(CheckOutcomes.Failed, VerificationChecks.ProjectionState(Behind, null, false, 1).Outcome);
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

    [Fact]
    public void application_checks_are_skipped_when_no_decisiongraph_is_configured()
    {
        Assert.Equal(CheckOutcomes.Skipped, VerificationChecks.ApplicationHealth("no URL", null, null, 0).Outcome);
        Assert.Equal(CheckOutcomes.Failed, VerificationChecks.ApplicationHealth(null, 503, null, 0).Outcome);
        Assert.Equal(CheckOutcomes.Skipped, VerificationChecks.ApplicationProjections("no URL", null, [], false, 0).Outcome);
        Assert.Equal(CheckOutcomes.Failed, VerificationChecks.ApplicationProjections(null, null, ["tenant acme: HTTP 401"], false, 0).Outcome);
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
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"dgledger-artifact-{Guid.NewGuid():N}.dump");
    private readonly byte[] _bytes = RandomNumberGenerator.GetBytes(100_000);

    public when_the_agent_checks_an_artifact_before_a_restore() => File.WriteAllBytes(_path, _bytes);

    private RestoreArtifact Artifact() => new(Guid.NewGuid(), "prod", "app", _path, _bytes.Length,
        Convert.ToHexStringLower(SHA256.HashData(_bytes)), DateTimeOffset.UnixEpoch, [], null);

    [Fact]
    public async Task an_intact_artifact_passes() => Assert.Null(await ArtifactCheck.ProblemAsync(Artifact(), CancellationToken.None));

    [Fact]
    public async Task one_flipped_byte_is_a_sha256_mismatch()
    {
        var artifact = Artifact();
        _bytes[54_321] ^= 0x80;
        await File.WriteAllBytesAsync(_path, _bytes);
        Assert.StartsWith("SHA-256 mismatch", await ArtifactCheck.ProblemAsync(artifact, CancellationToken.None));
    }

    [Fact]
    public async Task a_truncated_or_missing_file_is_named_as_such()
    {
        var artifact = Artifact();
        await File.WriteAllBytesAsync(_path, _bytes[..99_000]);
        Assert.Equal("The artifact is truncated: 99000 of the 100000 bytes recorded.", await ArtifactCheck.ProblemAsync(artifact, CancellationToken.None));
        File.Delete(_path);
        Assert.Contains("does not exist", await ArtifactCheck.ProblemAsync(artifact, CancellationToken.None));
    }

    public void Dispose() => File.Delete(_path);
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
