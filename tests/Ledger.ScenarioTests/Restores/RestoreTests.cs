using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DecisionGraph.Double;
using Ledger.Cli;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Common;
using Ledger.Contracts.Restores;
using Ledger.Postgres.Fidelity;
using Marten;
using Npgsql;

namespace Ledger.ScenarioTests.Restores;

[Collection(LedgerCollection.Name)]
public sealed class when_a_verified_backup_is_restored(LedgerFixture fixture)
{
    private readonly RestoreScenario _scenario = new(fixture);

    [Fact]
    public async Task the_target_becomes_identical_to_the_backup_passes_verification_and_is_reopened_as_it_was()
    {
        fixture.DecisionGraph.Reset();
        var backup = await _scenario.TakeSourceBackupAsync();
        var source = await _scenario.SourceFingerprintAsync();
        await _scenario.ResetTargetAsync();
        await _scenario.ExecuteAsServerAsync($"ALTER DATABASE {LedgerFixture.RestoreTarget} CONNECTION LIMIT 7");
        // An application session that the restore must end.
        await using var session = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_scenario.TargetConnectionString) { Pooling = false }.ConnectionString);
        await session.OpenAsync();

        var run = await _scenario.RestoreIntoTargetAsync(backup.Id);

        Assert.True(run.ExitCode == ExitCodes.Ok, $"exit {run.ExitCode}: {run.Error}");
        var view = RestoreScenario.ViewOf(run);
        Assert.Equal(RestoreStatus.Verified, view.Status);
        Assert.Equal(
            ["RestoreRequested", "RestoreStarted", "WritesBlocked", "RestoreCompleted", "ProjectionRebuildSkipped", "VerificationPassed"],
            await _scenario.HistoryAsync(view.Id));

        // The restore's facts: the session was ended, the previous settings recorded and put back, durations recorded.
        Assert.True(view.SessionsTerminated >= 1);
        Assert.Equal((true, 7), (view.PreviousAllowConnections!.Value, view.PreviousConnectionLimit!.Value));
        Assert.Equal(new TargetSettings(true, true, 7), await _scenario.TargetSettingsAsync());
        Assert.Contains("--clean", view.RestoreOptions);
        Assert.Contains("--no-owner", view.RestoreOptions);
        Assert.Contains(view.RestoreOptions, o => o.StartsWith("--jobs=", StringComparison.Ordinal));
        Assert.True(view.DurationMs >= view.RestoreMs && view.RestoreMs > 0);
        Assert.NotNull(view.VerificationMs);
        await Assert.ThrowsAnyAsync<NpgsqlException>(async () =>
        {
            await using var command = new NpgsqlCommand("select 1", session);
            await command.ExecuteScalarAsync();
        });

        // What was restored is the source (checked here independently of the agent's own fidelity check), except what
        // DecisionGraph wrote once verification called it: replay runs, and the runtime cursor and SLA sweep of its
        // workflow reads. That is why the agent fingerprints before any DecisionGraph call.
        var diff = FingerprintComparer.Compare(source, await _scenario.TargetFingerprintAsync());
        Assert.Equal(["dg_projection_runs", "dg_workflow_actions", "dg_workflow_items", "dg_workflow_notifications", "dg_workflow_runtime"],
            diff.Tables.Select(t => t.Table).Order());
        Assert.Empty(diff.Sequences);
        Assert.Empty(diff.Schema);

        // Every check, in the runbook's order: the database's own first, then SELF_HOSTED_INSTALL.md's smoke tests.
        Assert.Equal(
            ["stop-application", "restart-application", CheckNames.Fidelity, CheckNames.Ownership, CheckNames.Plausibility, CheckNames.ProjectionState,
             CheckNames.ApplicationHealth, CheckNames.ProjectionCatchUp, CheckNames.ApplicationProjections, CheckNames.ProjectionRebuild,
             CheckNames.OperatorConsole, CheckNames.TraceRead],
            view.Checks.Select(c => c.Name));
        // No StopCommand or RestartCommand for this target: both steps are recorded as manual.
        Assert.All(view.Checks.Take(2), c => Assert.Equal(CheckOutcomes.Skipped, c.Outcome));
        Assert.All(view.Checks.Take(2), c => Assert.StartsWith("manual step:", c.Detail));
        Assert.All(view.Checks.Skip(2), c => Assert.Equal(CheckOutcomes.Passed, c.Outcome));
        Assert.All(view.Checks.Skip(3), c => Assert.True(c.DurationMs >= 0));
        Assert.Equal((false, false), (view.Rebuild!.Needed, view.Rebuild.Requested));
        // DecisionGraph was asked for a catch_up per tenant (projection workers do not start by themselves), never a rebuild.
        Assert.Equal(2L, await _scenario.ScalarOnTargetAsync<long>(
            $"select count(*) from dg_projection_runs where mode = 'catch_up' and status = 'completed' and metadata_json like '%{view.Id}%'"));
        Assert.Equal(0L, await _scenario.ScalarOnTargetAsync<long>("select count(*) from dg_projection_runs where mode = 'rebuild'"));
        Assert.Contains(fixture.DecisionGraph.Requests, r => r is { Method: "GET", Path: "/", Status: 200 });
        Assert.Contains(fixture.DecisionGraph.Requests, r => r.Path.StartsWith("/api/v1/traces/", StringComparison.Ordinal) && r.Status == 200);
        // The console read wrote (DecisionGraph's SLA sweep escalated the overdue item), yet fidelity passed: the
        // fingerprint was taken before any DecisionGraph call.
        Assert.Equal("escalated", await _scenario.ScalarOnTargetAsync<string>(
            "select status from dg_workflow_items where tenant_id = 'default' and workflow_id like '%:exception:ex-1'"));

        // The DecisionGraph token is the agent's secret: never in the ledger.
        Assert.DoesNotContain(LedgerFixture.DecisionGraphToken, run.Out + run.Error);
        var show = await fixture.RunCliAsync(Roles.Reader, "restores", "show", view.Id.ToString());
        Assert.Equal(ExitCodes.Ok, show.ExitCode);
        Assert.Contains("verified", show.Out);
        Assert.Contains("fidelity", show.Out);

        // Operators find it in the list, with the full id that 'restores show' takes.
        var list = await fixture.RunCliAsync(Roles.Reader, "restores", "list", "--env", LedgerFixture.RestoreEnvironment,
            "--target-db", LedgerFixture.RestoreTarget, "--backup", backup.Id.ToString());
        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        var row = Assert.Single(list.Out.Split('\n'), line => line.StartsWith(view.Id.ToString(), StringComparison.Ordinal));
        Assert.Contains(RestoreStatus.Verified.ToWire(), row);
        Assert.Contains($"{LedgerFixture.RestoreEnvironment}/{LedgerFixture.RestoreTarget}", row);
        var json = await fixture.RunCliAsync(Roles.Reader, "restores", "list", "--backup", backup.Id.ToString(), "--status", "verified", "--json");
        Assert.Equal(view.Id, Assert.Single(JsonSerializer.Deserialize<Page<RestoreView>>(json.Out, RestoreScenario.Json)!.Items).Id);
        var bad = await fixture.RunCliAsync(Roles.Reader, "restores", "list", "--status", "done");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("invalid --status", bad.Error);
    }

    [Fact]
    public async Task a_target_holding_tables_the_backup_lacks_fails_fidelity_and_names_them()
    {
        fixture.DecisionGraph.Reset();
        var backup = await _scenario.TakeSourceBackupAsync();
        await _scenario.ResetTargetAsync();
        await _scenario.ExecuteOnTargetAsync("create table left_over (id int); insert into left_over values (1)");

        var run = await _scenario.RestoreIntoTargetAsync(backup.Id);

        Assert.Equal(ExitCodes.RestoreFailed, run.ExitCode);
        var view = RestoreScenario.ViewOf(run);
        Assert.Equal(RestoreStatus.VerificationFailed, view.Status);
        var fidelity = view.Checks.Single(c => c.Name == CheckNames.Fidelity);
        Assert.Equal(CheckOutcomes.Failed, fidelity.Outcome);
        Assert.Contains("table public.left_over: extra (backup none, restored 1)", fidelity.Findings);
        Assert.Contains("fresh database", fidelity.Detail);
        Assert.Equal(CheckOutcomes.Passed, view.Checks.Single(c => c.Name == CheckNames.ProjectionState).Outcome);
    }
}

[Collection(LedgerCollection.Name)]
public sealed class when_a_restore_is_refused_by_an_interlock(LedgerFixture fixture)
{
    private readonly RestoreScenario _scenario = new(fixture);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private async Task<(HttpStatusCode Status, JsonElement Problem)> PostAsync(string role, RequestRestore request)
    {
        using var client = fixture.Stack.Client(role);
        var response = await client.PostAsJsonAsync("/api/v1/restores", request, Json);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private async Task AssertRecordedAsync(JsonElement problem, string interlock)
    {
        Assert.Equal(interlock, problem.GetProperty("interlock").GetString());
        var restoreId = problem.GetProperty("restoreId").GetGuid();
        Assert.Equal(["RestoreRequested", "RestoreRefused"], await _scenario.HistoryAsync(restoreId));
        var refused = Assert.Single(await _scenario.EventsAsync<RestoreRefused>(restoreId));
        Assert.Equal(interlock, refused.Interlock);
        Assert.Equal(problem.GetProperty("detail").GetString(), refused.Reason);
    }

    [Fact]
    public async Task a_confirmation_that_does_not_match_the_target_is_refused_and_recorded()
    {
        var backup = await _scenario.TakeSourceBackupAsync();
        var settingsBefore = await _scenario.TargetSettingsAsync();

        var run = await fixture.RunCliAsync(Roles.Operator, "restore", backup.Id.ToString(), "--target-db", LedgerFixture.RestoreTarget,
            "--confirm", "dg_restord", "--env", LedgerFixture.RestoreEnvironment, "--wait");

        Assert.Equal(ExitCodes.RestoreRefused, run.ExitCode);
        Assert.Contains("confirmation", run.Error);
        Assert.Contains("does not match", run.Error);
        var (status, problem) = await PostAsync(Roles.Operator,
            new RequestRestore(backup.Id, LedgerFixture.RestoreTarget, "DG_RESTORED", LedgerFixture.RestoreEnvironment));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        await AssertRecordedAsync(problem, Interlocks.Confirmation);
        Assert.Equal(settingsBefore, await _scenario.TargetSettingsAsync());
    }

    [Fact]
    public async Task a_primary_target_needs_allow_primary_and_then_the_operator_role()
    {
        var backup = await _scenario.TakeSourceBackupAsync();
        var primary = LedgerFixture.RestoreSourceDatabase;

        var withoutFlag = await PostAsync(Roles.Operator, new RequestRestore(backup.Id, primary, primary));
        Assert.Equal(HttpStatusCode.BadRequest, withoutFlag.Status);
        await AssertRecordedAsync(withoutFlag.Problem, Interlocks.PrimaryTarget);
        Assert.Contains("allowPrimary", withoutFlag.Problem.GetProperty("detail").GetString());

        var asPipeline = await PostAsync(Roles.Pipeline, new RequestRestore(backup.Id, primary, primary, AllowPrimary: true));
        Assert.Equal(HttpStatusCode.Forbidden, asPipeline.Status);
        await AssertRecordedAsync(asPipeline.Problem, Interlocks.OperatorRole);

        // A new database next to a primary counts as primary too.
        var newDatabase = await fixture.RunCliAsync(Roles.Operator, "restore", backup.Id.ToString(), "--target-db", "scratch_copy",
            "--confirm", "scratch_copy");
        Assert.Equal(ExitCodes.RestoreRefused, newDatabase.ExitCode);
        Assert.Contains("primary", newDatabase.Error);
    }

    [Fact]
    public async Task a_backup_that_failed_cannot_be_restored()
    {
        var failed = await _scenario.TakeFailedBackupAsync();
        var before = await _scenario.RefusalsAsync(Interlocks.BackupNotRestorable);

        var (status, problem) = await PostAsync(Roles.Operator,
            new RequestRestore(failed.Id, LedgerFixture.RestoreTarget, LedgerFixture.RestoreTarget, LedgerFixture.RestoreEnvironment));

        Assert.Equal(HttpStatusCode.Conflict, status);
        await AssertRecordedAsync(problem, Interlocks.BackupNotRestorable);
        Assert.Contains("it failed", problem.GetProperty("detail").GetString());
        Assert.Equal(before + 1, await _scenario.RefusalsAsync(Interlocks.BackupNotRestorable));
    }

    [Fact]
    public async Task two_restores_into_one_target_cannot_run_at_once()
    {
        // An agent that announces an environment but never answers its queue: the first restore stays in progress.
        var environment = "mute-" + Guid.NewGuid().ToString("N")[..6];
        await using (var session = fixture.Store.LightweightSession())
        {
            session.Store(new AgentStatus
            {
                Id = "mute-" + environment, Databases = [new ManagedDatabase(environment, "scratch", DatabaseRoles.NonPrimary)],
                Environments = [environment], FirstSeen = DateTimeOffset.UtcNow, LastHeartbeat = DateTimeOffset.UtcNow,
            });
            await session.SaveChangesAsync();
        }

        var backup = await _scenario.TakeSourceBackupAsync();
        var request = new RequestRestore(backup.Id, "scratch", "scratch", environment);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(Roles.Operator, request)));

        Assert.Single(answers, a => a.Status == HttpStatusCode.Accepted);
        var refused = answers.Where(a => a.Status != HttpStatusCode.Accepted).ToList();
        Assert.Equal(7, refused.Count);
        Assert.All(refused, a => Assert.Equal(HttpStatusCode.Conflict, a.Status));
        foreach (var answer in refused)
        {
            await AssertRecordedAsync(answer.Problem, Interlocks.RestoreInProgress);
        }
    }

    [Fact]
    public async Task an_environment_whose_agent_stopped_sending_heartbeats_is_refused_with_503_plan_included()
    {
        // An agent that announced an environment ten minutes ago and has been silent since.
        var environment = "silent-" + Guid.NewGuid().ToString("N")[..6];
        var agentId = "gone-" + environment;
        await using (var session = fixture.Store.LightweightSession())
        {
            session.Store(new AgentStatus
            {
                Id = agentId, Databases = [new ManagedDatabase(environment, "scratch", DatabaseRoles.NonPrimary)],
                Environments = [environment], FirstSeen = DateTimeOffset.UtcNow.AddHours(-1), LastHeartbeat = DateTimeOffset.UtcNow.AddMinutes(-10),
            });
            await session.SaveChangesAsync();
        }

        try
        {
            var backup = await _scenario.TakeSourceBackupAsync();

            var (status, problem) = await PostAsync(Roles.Operator, new RequestRestore(backup.Id, "scratch", "scratch", environment));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            await AssertRecordedAsync(problem, Interlocks.AgentUnavailable);
            Assert.Contains("No live agent", problem.GetProperty("detail").GetString());

            var plan = await fixture.RunCliAsync(Roles.Operator, "restore", backup.Id.ToString(), "--target-db", "scratch", "--env", environment, "--plan");
            Assert.NotEqual(ExitCodes.Ok, plan.ExitCode);
            Assert.Contains("No live agent", plan.Error);
        }
        finally
        {
            await using var session = fixture.Store.LightweightSession();
            session.Delete<AgentStatus>(agentId);
            await session.SaveChangesAsync();
        }
    }

    [Fact]
    public async Task a_target_someone_closed_is_left_closed_and_untouched_and_the_failure_says_how_to_open_it()
    {
        fixture.DecisionGraph.Reset();
        var backup = await _scenario.TakeSourceBackupAsync();
        await _scenario.EnsureTargetAsync();
        var before = await _scenario.TargetFingerprintAsync();
        await _scenario.ExecuteAsServerAsync($"ALTER DATABASE {LedgerFixture.RestoreTarget} WITH ALLOW_CONNECTIONS false");
        try
        {
            var run = await _scenario.RestoreIntoTargetAsync(backup.Id);

            Assert.Equal(ExitCodes.RestoreFailed, run.ExitCode);
            var view = RestoreScenario.ViewOf(run);
            Assert.Equal((RestoreStatus.Failed, RestoreStages.Preflight, false), (view.Status, view.FailureStage, view.TargetTouched!.Value));
            Assert.Contains("ALLOW_CONNECTIONS false", view.FailureReason);
            Assert.Contains("WITH ALLOW_CONNECTIONS true", view.FailureReason);
            Assert.Equal(new TargetSettings(true, false, -1), await _scenario.TargetSettingsAsync());
        }
        finally
        {
            await _scenario.EnsureTargetAsync();
        }

        Assert.True(FingerprintComparer.Compare(before, await _scenario.TargetFingerprintAsync()).Identical);
    }

    [Fact]
    public async Task malformed_input_is_a_400_that_appends_nothing()
    {
        var before = await fixture.EventCountAsync();
        using var client = fixture.Stack.Client(Roles.Operator);
        var response = await client.PostAsJsonAsync("/api/v1/restores", new RequestRestore(Guid.NewGuid(), "template1", "template1"), Json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("targetDatabase", await response.Content.ReadAsStringAsync());

        var unknown = await client.PostAsJsonAsync("/api/v1/restores", new RequestRestore(Guid.NewGuid(), "somewhere", "somewhere"), Json);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var reader = fixture.Stack.Client(Roles.Reader);
        var forbidden = await reader.PostAsJsonAsync("/api/v1/restores", new RequestRestore(Guid.NewGuid(), "somewhere", "somewhere"), Json);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(before, await fixture.EventCountAsync());
    }
}

[Collection(LedgerCollection.Name)]
public sealed class when_the_artifact_is_corrupted(LedgerFixture fixture)
{
    private readonly RestoreScenario _scenario = new(fixture);

    private async Task AssertCaughtBeforeTheTargetIsTouchedAsync(Action<string> corrupt, string expected)
    {
        fixture.DecisionGraph.Reset();
        var backup = await _scenario.TakeSourceBackupAsync();
        await _scenario.EnsureTargetAsync();
        await _scenario.ExecuteOnTargetAsync($"create table if not exists marker (note text); insert into marker values ('{Guid.NewGuid()}')");
        var before = await _scenario.TargetFingerprintAsync();
        var settings = await _scenario.TargetSettingsAsync();
        corrupt(backup.ArtifactPath!);

        var run = await _scenario.RestoreIntoTargetAsync(backup.Id);

        Assert.Equal(ExitCodes.RestoreFailed, run.ExitCode);
        var view = RestoreScenario.ViewOf(run);
        Assert.Equal((RestoreStatus.Failed, RestoreStages.Checksum, false), (view.Status, view.FailureStage, view.TargetTouched!.Value));
        Assert.Contains(expected, view.FailureReason);
        Assert.Equal(["RestoreRequested", "RestoreStarted", "RestoreFailed"], await _scenario.HistoryAsync(view.Id));
        Assert.True(FingerprintComparer.Compare(before, await _scenario.TargetFingerprintAsync()).Identical);
        Assert.Equal(settings, await _scenario.TargetSettingsAsync());
    }

    [Fact]
    public Task one_flipped_byte_is_caught_before_the_target_is_touched() =>
        AssertCaughtBeforeTheTargetIsTouchedAsync(path =>
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            file.Position = file.Length / 2;
            var value = file.ReadByte();
            file.Position = file.Length / 2;
            file.WriteByte((byte)(value ^ 0x01));
        }, "SHA-256 mismatch");

    [Fact]
    public Task a_truncated_file_is_caught_before_the_target_is_touched() =>
        AssertCaughtBeforeTheTargetIsTouchedAsync(path =>
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            file.SetLength(file.Length - 100);
        }, "truncated");
}

[Collection(LedgerCollection.Name)]
public sealed class when_decisiongraph_is_not_healthy_after_a_restore(LedgerFixture fixture)
{
    private readonly RestoreScenario _scenario = new(fixture);

    private async Task<(RestoreView View, Dictionary<string, VerificationCheck> Checks)> RestoreAsync(string environment, string source,
        Action<DoubleFaults>? faults = null, bool verified = false)
    {
        fixture.DecisionGraph.Reset();
        var backup = await _scenario.TakeSourceBackupAsync(environment, source);
        await _scenario.ResetTargetAsync();
        faults?.Invoke(fixture.DecisionGraph.Faults);

        var run = await _scenario.RestoreIntoTargetAsync(backup.Id);

        fixture.DecisionGraph.Faults.Clear();
        await fixture.DecisionGraph.WaitForJobsAsync(TimeSpan.FromSeconds(10));
        Assert.True(run.ExitCode == (verified ? ExitCodes.Ok : ExitCodes.RestoreFailed), $"exit {run.ExitCode}: {run.Out} {run.Error}");
        var view = RestoreScenario.ViewOf(run);
        Assert.Equal(verified ? RestoreStatus.Verified : RestoreStatus.VerificationFailed, view.Status);
        Assert.Equal(CheckOutcomes.Passed, view.Checks.Single(c => c.Name == CheckNames.Fidelity).Outcome);
        return (view, view.Checks.ToDictionary(c => c.Name));
    }

    [Fact]
    public async Task projections_behind_are_caught_up_recorded_and_verified_without_a_rebuild()
    {
        var (view, checks) = await RestoreAsync(LedgerFixture.CasesEnvironment, LedgerFixture.BehindSource, verified: true);

        Assert.Equal(CheckOutcomes.Repaired, checks[CheckNames.ProjectionState].Outcome);
        Assert.Contains(checks[CheckNames.ProjectionState].Findings, f => f.Contains("tenant default: trace_summary at log_seq", StringComparison.Ordinal)
            && f.Contains("(3 pending)", StringComparison.Ordinal));
        Assert.Equal(CheckOutcomes.Repaired, checks[CheckNames.ApplicationProjections].Outcome);
        var catchUp = checks[CheckNames.ProjectionCatchUp];
        Assert.Equal(CheckOutcomes.Passed, catchUp.Outcome);
        Assert.Matches("catch_up admitted \\(202\\) and completed: job\\(s\\) replay-[0-9]+, replay-[0-9]+", catchUp.Detail);
        Assert.Contains(catchUp.Findings, f => f.Contains("completed, 9 event(s) processed", StringComparison.Ordinal));
        Assert.Equal(CheckOutcomes.Passed, checks[CheckNames.ProjectionRebuild].Outcome);
        Assert.Equal((false, false), (view.Rebuild!.Needed, view.Rebuild.Requested));
        Assert.Equal(0L, await _scenario.ScalarOnTargetAsync<long>("select count(*) from dg_projection_runs where mode = 'rebuild'"));
        Assert.Equal(0L, await _scenario.ScalarOnTargetAsync<long>("""
            select count(*) from dg_projection_cursors c
            where c.last_log_seq <> (select max(log_seq) from dg_event_log e where e.tenant_id = c.tenant_id)
            """));
    }

    [Fact]
    public async Task decisiongraphs_database_down_behind_a_200_healthz_fails_the_health_check_and_stops_the_smoke_tests()
    {
        var (_, checks) = await RestoreAsync(LedgerFixture.RestoreSourceEnvironment, LedgerFixture.RestoreSourceDatabase,
            f => f.DatabaseDown = true);

        var health = checks[CheckNames.ApplicationHealth];
        Assert.Equal(CheckOutcomes.Failed, health.Outcome);
        Assert.Contains("GET /api/healthz answered 200, but", health.Detail);
        Assert.Contains("repo_started?\"] is false", health.Detail);
        Assert.Contains("projection_health is unavailable", health.Detail);
        Assert.All(new[] { CheckNames.ProjectionCatchUp, CheckNames.OperatorConsole, CheckNames.TraceRead },
            name => Assert.Equal((CheckOutcomes.Skipped, "not run: application-health failed"), (checks[name].Outcome, checks[name].Detail)));
    }

    [Fact]
    public async Task a_console_that_answers_500_fails_its_check()
    {
        var (view, checks) = await RestoreAsync(LedgerFixture.RestoreSourceEnvironment, LedgerFixture.RestoreSourceDatabase,
            f => f.ConsoleStatus = 500);

        Assert.Equal((CheckOutcomes.Failed, "GET / answered 500, not 200"), (checks[CheckNames.OperatorConsole].Outcome, checks[CheckNames.OperatorConsole].Detail));
        Assert.Equal(CheckOutcomes.Passed, checks[CheckNames.ApplicationHealth].Outcome);
        Assert.Contains(CheckNames.OperatorConsole, view.FailureReason);
    }

    [Fact]
    public async Task a_catch_up_job_that_ends_failed_fails_the_check_with_the_job_and_decisiongraphs_error()
    {
        var (view, checks) = await RestoreAsync(LedgerFixture.CasesEnvironment, LedgerFixture.BehindSource, f => f.FailReplays = true);

        var catchUp = checks[CheckNames.ProjectionCatchUp];
        Assert.Equal(CheckOutcomes.Failed, catchUp.Outcome);
        Assert.Matches("catch_up job replay-[0-9]+ ended failed \\(storage: Projection runtime error: ", catchUp.Detail);
        Assert.Equal(CheckOutcomes.Failed, checks[CheckNames.ProjectionState].Outcome);
        Assert.Equal(CheckOutcomes.Failed, checks[CheckNames.TraceRead].Outcome);
        Assert.Contains("409 projection_out_of_date", checks[CheckNames.TraceRead].Detail);
        Assert.Contains(CheckNames.ProjectionCatchUp, view.FailureReason);
    }

    [Fact]
    public async Task open_failures_left_by_the_catch_up_ask_for_a_rebuild_that_decisiongraph_refuses_with_403_and_it_is_recorded_as_failed()
    {
        var (view, checks) = await RestoreAsync(LedgerFixture.CasesEnvironment, LedgerFixture.FailingSource);

        Assert.Equal(CheckOutcomes.Failed, checks[CheckNames.ProjectionCatchUp].Outcome);
        Assert.Contains("(schema_violation: PolicyEvaluated requires policy_id and policy_version)", checks[CheckNames.ProjectionCatchUp].Detail);
        var rebuild = checks[CheckNames.ProjectionRebuild];
        Assert.Equal(CheckOutcomes.Failed, rebuild.Outcome);
        Assert.Equal("DecisionGraph refused the rebuild: 403 forbidden: Projection rebuilds are disabled in this deployment", rebuild.Detail);
        Assert.Contains(rebuild.Findings, f => f.Contains("open projection failure(s) in trace_summary", StringComparison.Ordinal));
        Assert.Equal(CheckOutcomes.Failed, checks[CheckNames.ProjectionState].Outcome);
        Assert.DoesNotContain(view.Checks, c => c.Outcome == CheckOutcomes.Repaired);
        Assert.True(view.Rebuild!.Needed);
        Assert.Contains(fixture.DecisionGraph.Requests, r => r is { Method: "POST", Path: "/api/v1/admin/replays", Status: 403 });
        Assert.Equal(["RestoreRequested", "RestoreStarted", "WritesBlocked", "RestoreCompleted", "ProjectionRebuildSkipped", "VerificationFailed"],
            await _scenario.HistoryAsync(view.Id));
        var skipped = Assert.Single(await _scenario.EventsAsync<ProjectionRebuildSkipped>(view.Id));
        Assert.Contains("Projection rebuilds are disabled in this deployment", skipped.Reason);
    }

    [Fact]
    public async Task an_unknown_schema_is_a_failed_check_that_names_the_missing_column_and_the_unknown_version()
    {
        var (_, checks) = await RestoreAsync(LedgerFixture.CasesEnvironment, LedgerFixture.UnknownSchemaSource);

        var state = checks[CheckNames.ProjectionState];
        Assert.Equal(CheckOutcomes.Failed, state.Outcome);
        Assert.Contains("missing column dg_projection_digests.digest_value", state.Detail);
        Assert.Contains(state.Findings, f => f.Contains("20260401000100", StringComparison.Ordinal));
    }

    [Fact]
    public async Task rate_limited_answers_are_retried_and_the_restore_still_verifies()
    {
        var (_, checks) = await RestoreAsync(LedgerFixture.RestoreSourceEnvironment, LedgerFixture.RestoreSourceDatabase,
            f => f.RateLimitNext(1), verified: true);

        Assert.Equal(CheckOutcomes.Passed, checks[CheckNames.ApplicationProjections].Outcome);
        Assert.Contains(fixture.DecisionGraph.Requests, r => r.Status == 429);
    }
}

[Collection(LedgerCollection.Name)]
public sealed class when_a_restore_runs_its_hooks(LedgerFixture fixture)
{
    private readonly RestoreScenario _scenario = new(fixture);

    [Fact]
    public async Task the_stop_and_restart_commands_are_automated_steps_with_their_output_tail_and_no_secret()
    {
        File.Delete(fixture.Hooks.Marker);
        var backup = await _scenario.TakeSourceBackupAsync();

        var run = await _scenario.RestoreIntoFreshAsync(backup.Id, LedgerFixture.HookedTarget);

        Assert.True(run.ExitCode == ExitCodes.Ok, $"exit {run.ExitCode}: {run.Out} {run.Error}");
        var view = RestoreScenario.ViewOf(run);
        var stop = view.Checks.Single(c => c.Name == "stop-application");
        var restart = view.Checks.Single(c => c.Name == "restart-application");
        Assert.Equal((CheckOutcomes.Passed, $"automated step: '{fixture.Hooks.Stop}' exited 0"), (stop.Outcome, stop.Detail));
        Assert.Equal([$"stopping decisiongraph before restore {view.Id} into {LedgerFixture.HookedTarget}", "using token=***"], stop.Findings);
        Assert.Equal(CheckOutcomes.Passed, restart.Outcome);
        Assert.Contains($"restarting decisiongraph on {LedgerFixture.HookedTarget} (restart-application)", restart.Findings);
        Assert.DoesNotContain(LedgerFixture.DecisionGraphToken, run.Out + run.Error);
        Assert.Equal(CheckOutcomes.Passed, view.Checks.Single(c => c.Name == CheckNames.Plausibility).Outcome);
    }

    [Fact]
    public async Task a_target_with_rows_newer_than_its_backup_fails_plausibility_naming_both_values()
    {
        var backup = await _scenario.TakeSourceBackupAsync();
        // What the backup recorded at its snapshot: the source's newest event (nothing writes to the source meanwhile).
        var newest = await _scenario.ScalarOnSourceAsync<long>("select max(log_seq) from dg_event_log");
        var recorded = await _scenario.ScalarOnSourceAsync<string>("select recorded_at from dg_event_log order by log_seq desc limit 1");
        await File.WriteAllTextAsync(fixture.Hooks.Marker, "write");
        try
        {
            var run = await _scenario.RestoreIntoFreshAsync(backup.Id, LedgerFixture.HookedTarget);

            Assert.Equal(ExitCodes.RestoreFailed, run.ExitCode);
            var view = RestoreScenario.ViewOf(run);
            var plausibility = view.Checks.Single(c => c.Name == CheckNames.Plausibility);
            Assert.Equal(CheckOutcomes.Failed, plausibility.Outcome);
            Assert.Contains("the restored database is newer than its backup", plausibility.Detail);
            Assert.Contains($"event log_seq {newest + 1} after the backup's {newest}", plausibility.Detail);
            Assert.Contains($"event recorded_at 2026-04-02T00:00:00.5Z after the backup's {recorded}", plausibility.Detail);
            Assert.Contains(plausibility.Findings, f => f.StartsWith($"newest event: restored log_seq {newest + 1} of tenant default", StringComparison.Ordinal));
            Assert.Contains("decisiongraph ingested an event while starting", view.Checks.Single(c => c.Name == "restart-application").Findings);
            Assert.Contains(CheckNames.Plausibility, view.FailureReason);
        }
        finally
        {
            File.Delete(fixture.Hooks.Marker);
        }
    }
}

[Collection(LedgerCollection.Name)]
public sealed class when_a_restore_is_planned(LedgerFixture fixture)
{
    private readonly RestoreScenario _scenario = new(fixture);

    [Fact]
    public async Task the_plan_reports_age_size_expected_duration_and_data_that_would_be_lost_and_changes_nothing()
    {
        fixture.DecisionGraph.Reset();
        var backup = await _scenario.TakeSourceBackupAsync();
        await _scenario.ResetTargetAsync();
        Assert.Equal(ExitCodes.Ok, (await _scenario.RestoreIntoTargetAsync(backup.Id)).ExitCode);
        // Data written since the backup: three more events in one trace, and a new table.
        await _scenario.ExecuteOnTargetAsync("""
            insert into dg_event_log (tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at, producer_id,
                                      source_system, actor_type, actor_id, idempotency_key, payload_json, payload_hash)
            select 'acme', gen_random_uuid()::text, 'trace-late', s, case s when 0 then 'TraceStarted' else 'PolicyEvaluated' end,
                   '2026-04-01T00:00:00Z', '2026-04-01T00:00:00Z', 'late', 'tests', 'system', 'late', gen_random_uuid()::text, '{}', 'x'
            from generate_series(0, 2) s order by s;
            create table if not exists written_later (id int); insert into written_later values (1);
            """);
        var before = await _scenario.TargetFingerprintAsync();
        var settings = await _scenario.TargetSettingsAsync();

        var run = await fixture.RunCliAsync(Roles.Operator, "restore", backup.Id.ToString(), "--target-db", LedgerFixture.RestoreTarget,
            "--env", LedgerFixture.RestoreEnvironment, "--plan", "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, $"exit {run.ExitCode}: {run.Error}");
        var view = RestoreScenario.ViewOf(run);
        Assert.Equal((true, RestoreStatus.Planned), (view.Plan, view.Status));
        Assert.Equal(["RestoreRequested", "RestorePlanned"], await _scenario.HistoryAsync(view.Id));
        var plan = view.PlanDetails!;
        Assert.Equal((backup.Id, backup.SizeBytes!.Value), (plan.Backup.BackupId, plan.Backup.SizeBytes));
        Assert.True(plan.Backup.AgeSeconds >= 0);
        Assert.True(plan.TargetState.Exists);
        Assert.NotNull(plan.ExpectedDuration.ExpectedDurationMs);
        Assert.True(plan.ExpectedDuration.Samples >= 1);
        Assert.Equal(3, plan.DataLoss.EventsSinceBackup);
        Assert.True(plan.DataLoss.RowsAtRisk >= 3);
        Assert.Contains(plan.DataLoss.Tables, t => t is { Table: "dg_event_log", Change: "more rows now" });
        Assert.Contains(plan.DataLoss.Tables, t => t is { Table: "written_later", Change: "only in target" });
        Assert.Contains(plan.Steps, s => s.StartsWith("pg_restore --clean", StringComparison.Ordinal));
        Assert.Empty(plan.WouldBeRefused);

        // Nothing changed: the target holds what it held, with the same settings.
        Assert.True(FingerprintComparer.Compare(before, await _scenario.TargetFingerprintAsync()).Identical);
        Assert.Equal(settings, await _scenario.TargetSettingsAsync());

        var table = await fixture.RunCliAsync(Roles.Operator, "restore", backup.Id.ToString(), "--target-db", LedgerFixture.RestoreSourceDatabase,
            "--env", LedgerFixture.RestoreSourceEnvironment, "--plan");
        Assert.Equal(ExitCodes.RestoreRefused, table.ExitCode);
        Assert.Contains("Would be refused:", table.Out);
        Assert.Contains(Interlocks.PrimaryTarget, table.Out);
        Assert.Contains("Data loss", table.Out, StringComparison.OrdinalIgnoreCase);
    }
}
