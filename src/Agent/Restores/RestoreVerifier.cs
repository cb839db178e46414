using System.Diagnostics;
using Ledger.Contracts.Fidelity;
using Ledger.Contracts.Restores;
using Ledger.Postgres;
using Ledger.Postgres.Fidelity;
using Npgsql;

namespace Ledger.Agent.Restores;

/// <summary>
/// Verifies a restored target, in the runbook's order. First what the database itself says, read in SQL before any
/// DecisionGraph call (DecisionGraph's workflow and console reads write: runtime cursor, SLA sweep):
/// (1) fidelity, the fingerprint against the backup's; (2) plausibility, the newest event, trace and workflow activity
/// against what the backup recorded at its snapshot; (3) projection state per tenant, schema-aware. Then, when a
/// DecisionGraph serves the target, the smoke tests of SELF_HOSTED_INSTALL.md in order, each a recorded check with its
/// duration: (4) <c>GET /api/healthz</c> (200, <c>repo_started?</c> true, projection_health available); (5) projection
/// health for every expected tenant; (6) a catch_up replay per tenant, admitted 202 and polled to its end (projection
/// workers do not start by themselves after a restore); (7) a rebuild only when the state is still untrusted and
/// rebuilds are allowed; (8) the operator console at <c>/</c>; (9) the newest trace readable.
/// </summary>
public sealed class RestoreVerifier(AgentOptions options, DecisionGraphClient decisionGraph, TimeProvider clock, ILogger<RestoreVerifier> log)
{
    public async Task<object[]> VerifyAsync(VerifyRestore step, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            return await VerifyCoreAsync(step, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // A restore must not stay "verifying" for ever because a check could not run: that is a failed verification.
            log.LogError(e, "Restore {RestoreId}: verification could not run", step.Request.RestoreId);
            var check = new VerificationCheck("verification", CheckOutcomes.Failed, $"the checks could not run: {e.GetType().Name}: {e.Message}", [],
                watch.ElapsedMilliseconds);
            var now = clock.GetUtcNow();
            return
            [
                new ProjectionRebuildSkipped(step.Request.RestoreId, options.Id, false, "the checks could not run, so no rebuild was decided", now),
                new VerificationFailed(step.Request.RestoreId, options.Id, [check], $"failed: {check.Detail}", watch.ElapsedMilliseconds, now),
            ];
        }
    }

    private async Task<object[]> VerifyCoreAsync(VerifyRestore step, CancellationToken ct)
    {
        var request = step.Request;
        var target = request.Target;
        var host = options.Find(target.Environment, target.HostDatabase)!;
        var connection = PgConnectionStrings.WithDatabase(host.ConnectionString, target.Database);
        var application = Application.For(target, target.Managed ? options.Find(target.Environment, target.Database) : null, host);
        var total = Stopwatch.StartNew();
        var checks = new List<VerificationCheck>
        {
            step.StopStep ?? new VerificationCheck(RestoreHooks.Stop, CheckOutcomes.Skipped, "not recorded (the restore was started by an older agent)", [], 0),
            // BACKUP_AND_RESTORE.md: restart the application after the restore, then verify.
            await RestoreHooks.RunAsync(RestoreHooks.Restart, request, target.Managed ? options.Find(target.Environment, target.Database) : null, ct),
        };

        // ---- what the database says, before any DecisionGraph call -------------------------------------------------
        checks.Add(await FidelityAsync(request.Backup.Fingerprint, connection, ct));
        checks.Add(await OwnershipAsync(step.Completed.OwnerRole, connection, ct));

        var watch = Stopwatch.StartNew();
        var (marks, marksError) = await ReadMarksAsync(connection, ct);
        checks.Add(Plausibility.Compare(request.Backup.Fingerprint?.Marks, marks, marksError, watch.ElapsedMilliseconds));

        watch.Restart();
        var (before, databaseError) = await ReadProjectionsAsync(connection, ct);
        var databaseMs = watch.ElapsedMilliseconds;
        var tenants = application.Tenants.Count > 0 ? application.Tenants
            : before?.Tenants is { Count: > 0 } found ? found
            : ["default"];

        // ---- DecisionGraph's smoke tests --------------------------------------------------------------------------
        ProjectionAssessment? database = before, app = null;
        object rebuildReport;
        if (application.NotConfigured is { } notConfigured)
        {
            var decision = RebuildDecision.Decide(before ?? NotApplicable, null, false, false, $"{target.Environment}/{target.Database}");
            rebuildReport = new ProjectionRebuildSkipped(request.RestoreId, options.Id, decision.Needed, decision.Reason, clock.GetUtcNow());
            checks.Add(VerificationChecks.ProjectionState(before, databaseError, null, databaseMs));
            foreach (var name in new[] { CheckNames.ApplicationHealth, CheckNames.ApplicationProjections, CheckNames.ProjectionCatchUp,
                         CheckNames.ProjectionRebuild, CheckNames.OperatorConsole, CheckNames.TraceRead })
            {
                checks.Add(new VerificationCheck(name, CheckOutcomes.Skipped, notConfigured, [], 0));
            }
        }
        else
        {
            var smoke = new List<VerificationCheck>();
            watch.Restart();
            var health = await HealthzAsync(application, ct);
            smoke.Add(health with { DurationMs = watch.ElapsedMilliseconds });
            string? stopped = health.Outcome == CheckOutcomes.Failed ? $"not run: {CheckNames.ApplicationHealth} failed" : null;

            watch.Restart();
            var (appBefore, appErrors) = stopped is null ? await ApplicationProjectionsAsync(application, tenants, ct) : (null, []);
            var appBeforeMs = watch.ElapsedMilliseconds;

            watch.Restart();
            var catchUp = stopped is null
                ? await ReplayAsync(request, application, tenants, "catch_up", ct)
                : new ReplayOutcome([], [], null, []);
            smoke.Add(VerificationChecks.CatchUp(stopped, catchUp, watch.ElapsedMilliseconds));

            // After the catch-up, what the database and DecisionGraph say now.
            if (stopped is null)
            {
                (database, databaseError) = await ReadProjectionsAsync(connection, ct);
                (app, var afterErrors) = await ApplicationProjectionsAsync(application, tenants, ct);
                appErrors = afterErrors.Count > 0 ? afterErrors : appErrors;
            }

            var decision = RebuildDecision.Decide(database ?? NotApplicable, app, true, application.AllowRebuild,
                $"{target.Environment}/{target.Database}");
            ReplayOutcome? rebuild = null;
            if (stopped is null && decision.Request)
            {
                watch.Restart();
                rebuild = await ReplayAsync(request, application, tenants, "rebuild", ct);
                (database, databaseError) = await ReadProjectionsAsync(connection, ct);
                (app, var afterRebuild) = await ApplicationProjectionsAsync(application, tenants, ct);
                appErrors = afterRebuild;
                rebuild = rebuild with { DurationMs = watch.ElapsedMilliseconds };
            }

            var repairedBy = catchUp.Completed && (rebuild is null || rebuild.Completed) ? rebuild is null ? "the catch-up" : "the rebuild" : null;
            smoke.Add(VerificationChecks.ApplicationProjections(stopped, appBefore, app, appErrors, repairedBy, appBeforeMs));
            smoke.Add(VerificationChecks.Rebuild(stopped, decision, rebuild, database, app));
            rebuildReport = rebuild is { Refusal: null, JobIds.Count: > 0 }
                ? new ProjectionsRebuilt(request.RestoreId, options.Id, decision.Reason, tenants, rebuild.JobIds,
                    rebuild.Completed && database?.Untrusted != true && app?.Untrusted != true, rebuild.DurationMs, clock.GetUtcNow())
                : new ProjectionRebuildSkipped(request.RestoreId, options.Id, decision.Needed,
                    rebuild?.Refusal is { } refusal ? $"DecisionGraph refused the rebuild: {refusal}" : decision.Reason, clock.GetUtcNow());

            watch.Restart();
            smoke.Add(stopped is null ? await ConsoleAsync(application, ct) with { DurationMs = watch.ElapsedMilliseconds }
                : new VerificationCheck(CheckNames.OperatorConsole, CheckOutcomes.Skipped, stopped, [], 0));
            watch.Restart();
            smoke.Add(stopped is null ? await TraceReadAsync(application, marks, ct) with { DurationMs = watch.ElapsedMilliseconds }
                : new VerificationCheck(CheckNames.TraceRead, CheckOutcomes.Skipped, stopped, [], 0));

            checks.Add(VerificationChecks.ProjectionState(before, databaseError, database, databaseMs));
            checks.AddRange(smoke);
        }

        var (passed, reason) = VerificationChecks.Verdict(checks);
        var now = clock.GetUtcNow();
        log.LogInformation("Restore {RestoreId}: verification {Verdict} in {Ms} ms", request.RestoreId, passed ? "passed" : "failed",
            total.ElapsedMilliseconds);
        return passed
            ? [rebuildReport, new VerificationPassed(request.RestoreId, options.Id, checks, total.ElapsedMilliseconds, now)]
            : [rebuildReport, new VerificationFailed(request.RestoreId, options.Id, checks, reason, total.ElapsedMilliseconds, now)];
    }

    private static readonly ProjectionAssessment NotApplicable = new(false, false, false, false, [], []);

    private static async Task<VerificationCheck> FidelityAsync(DatabaseFingerprint? backup, string connection, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        if (backup is null)
        {
            return VerificationChecks.Fidelity(null, null, null, 0);
        }

        try
        {
            var restored = await Fingerprinter.CaptureAsync(connection, ct);
            return VerificationChecks.Fidelity(backup, FingerprintComparer.Compare(backup, restored), null, watch.ElapsedMilliseconds);
        }
        catch (NpgsqlException e)
        {
            return VerificationChecks.Fidelity(backup, null, e.Message, watch.ElapsedMilliseconds);
        }
    }

    private static async Task<VerificationCheck> OwnershipAsync(string? owner, string connection, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        if (owner is null)
        {
            return VerificationChecks.Ownership(null, [], null, 0);
        }

        try
        {
            return VerificationChecks.Ownership(owner, await TargetOwnership.ProblemsAsync(connection, owner, ct), null, watch.ElapsedMilliseconds);
        }
        catch (NpgsqlException e)
        {
            return VerificationChecks.Ownership(owner, [], e.Message, watch.ElapsedMilliseconds);
        }
    }

    private static async Task<(DecisionGraphMarks?, string?)> ReadMarksAsync(string connection, CancellationToken ct)
    {
        try
        {
            await using var open = await ProjectionState.OpenAsync(connection, ct);
            return (await Plausibility.ReadAsync(open, ct), null);
        }
        catch (NpgsqlException e)
        {
            return (null, e.Message);
        }
    }

    private static async Task<(ProjectionAssessment?, string?)> ReadProjectionsAsync(string connection, CancellationToken ct)
    {
        try
        {
            return (ProjectionHealth.Assess(await ProjectionState.ReadAsync(connection, ct)), null);
        }
        catch (NpgsqlException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>
    /// health_controller.ex answers 200 even when DecisionGraph's database is down; health.ex: the body's
    /// store["repo_started?"] and projection_health ({"status": "unavailable", "reason"} when it could not be read) say so.
    /// </summary>
    private async Task<VerificationCheck> HealthzAsync(Application application, CancellationToken ct)
    {
        try
        {
            var answer = await decisionGraph.HealthzAsync(application.BaseUrl!, ct);
            return VerificationChecks.ApplicationHealth(answer.Status, answer.Body, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return VerificationChecks.ApplicationHealth(null, "", $"DecisionGraph at {application.BaseUrl} could not be reached: {e.Message}");
        }
    }

    private async Task<(ProjectionAssessment?, IReadOnlyList<string>)> ApplicationProjectionsAsync(Application application,
        IReadOnlyList<string> tenants, CancellationToken ct)
    {
        var parts = new List<ProjectionAssessment>();
        var errors = new List<string>();
        foreach (var tenant in tenants)
        {
            try
            {
                var answer = await decisionGraph.ProjectionHealthAsync(application.BaseUrl!, application.Token!, tenant, ct);
                var (assessment, error) = ProjectionHealth.AssessApplication(tenant, answer.Status, answer.Body);
                if (assessment is not null) parts.Add(assessment);
                if (error is not null) errors.Add(error + (answer.RateLimitedRetries > 0 ? $" after {answer.RateLimitedRetries} rate-limited retries" : ""));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                errors.Add($"tenant {tenant}: DecisionGraph could not be reached: {e.Message}");
            }
        }

        return (errors.Count > 0 ? null : ProjectionHealth.Combine(parts), errors);
    }

    /// <summary>
    /// One replay job per tenant (projection "all"): POST answers 202 with data.run.job_id; the job is polled with
    /// GET /api/v1/admin/replays/{job_id} until completed, failed or cancelled; a 409 (a job already runs for the scope)
    /// is retried after the poll interval until the timeout. A refusal (403 and every other error) ends the replay.
    /// </summary>
    private async Task<ReplayOutcome> ReplayAsync(RestoreBackup request, Application application, IReadOnlyList<string> tenants, string mode,
        CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var jobs = new List<string>();
        var problems = new List<string>();
        var runs = new List<ReplayRun>();
        var reason = $"dgledger restore {request.RestoreId} of backup {request.Backup.BackupId}: {mode} after restore";
        foreach (var tenant in tenants)
        {
            var deadline = watch.Elapsed + application.ReplayTimeout;
            try
            {
                ReplayRun? run = null;
                while (run is null)
                {
                    var answer = await decisionGraph.StartReplayAsync(application.BaseUrl!, application.Token!, tenant, mode, "all", reason, ct);
                    if (answer.Status == 202 && DecisionGraphClient.RunOf(answer.Body) is { } admitted)
                    {
                        run = admitted;
                        jobs.Add(admitted.JobId);
                    }
                    else if (answer.Status == 409 && watch.Elapsed < deadline)
                    {
                        await Task.Delay(application.ReplayPollInterval, clock, ct);
                    }
                    else
                    {
                        var refusal = $"{answer.Status} {answer.ErrorCode}: {answer.ErrorMessage}";
                        return new ReplayOutcome(jobs, runs, mode == "rebuild" && answer.Status == 403 ? refusal : null,
                            [$"tenant {tenant}: POST /api/v1/admin/replays ({mode}) answered {refusal}"]) { DurationMs = watch.ElapsedMilliseconds };
                    }
                }

                while (!run.Finished)
                {
                    if (watch.Elapsed >= deadline)
                    {
                        problems.Add($"tenant {tenant}: {mode} job {run.JobId} still {run.Status} after {application.ReplayTimeout.TotalSeconds:0.#}s");
                        break;
                    }

                    await Task.Delay(application.ReplayPollInterval, clock, ct);
                    var status = await decisionGraph.ReplayAsync(application.BaseUrl!, application.Token!, tenant, run.JobId, ct);
                    if (status.Status != 200 || DecisionGraphClient.RunOf(status.Body) is not { } polled)
                    {
                        problems.Add($"tenant {tenant}: GET /api/v1/admin/replays/{run.JobId} answered {status.Status}{DecisionGraphClient.ErrorOf(status.Body)}");
                        break;
                    }

                    run = polled;
                }

                runs.Add(run);
                if (run.Finished && run.Status != "completed")
                {
                    problems.Add($"tenant {tenant}: {mode} job {run.JobId} ended {run.Status}"
                        + (run.ErrorCode is null ? "" : $" ({run.ErrorCode}: {run.ErrorMessage})"));
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                problems.Add($"tenant {tenant}: DecisionGraph could not be reached: {e.Message}");
            }
        }

        return new ReplayOutcome(jobs, runs, null, problems) { DurationMs = watch.ElapsedMilliseconds };
    }

    private async Task<VerificationCheck> ConsoleAsync(Application application, CancellationToken ct)
    {
        try
        {
            var answer = await decisionGraph.ConsoleAsync(application.BaseUrl!, ct);
            return answer.Status == 200 && answer.Body.Contains("Operator Console", StringComparison.Ordinal)
                ? new VerificationCheck(CheckNames.OperatorConsole, CheckOutcomes.Passed, "GET / answered 200 with the Operator Console", [], 0)
                : new VerificationCheck(CheckNames.OperatorConsole, CheckOutcomes.Failed, answer.Status == 200
                    ? "GET / answered 200 but not with DecisionGraph's Operator Console"
                    : $"GET / answered {answer.Status}, not 200", [], 0);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new VerificationCheck(CheckNames.OperatorConsole, CheckOutcomes.Failed, $"GET / failed: {e.Message}", [], 0);
        }
    }

    /// <summary>GET /api/v1/traces/{id} of the newest trace (found in SQL): 200; 409 projection_out_of_date means the projections are behind.</summary>
    private async Task<VerificationCheck> TraceReadAsync(Application application, DecisionGraphMarks? marks, CancellationToken ct)
    {
        if (marks is not { NewestTraceId: { } traceId, NewestTraceTenant: { } tenant })
        {
            return new VerificationCheck(CheckNames.TraceRead, CheckOutcomes.Skipped, "the restored database has no trace summary to read", [], 0);
        }

        try
        {
            var answer = await decisionGraph.TraceAsync(application.BaseUrl!, application.Token!, tenant, traceId, ct);
            return answer.Status switch
            {
                200 => new VerificationCheck(CheckNames.TraceRead, CheckOutcomes.Passed, $"GET /api/v1/traces/{traceId} (tenant {tenant}) answered 200", [], 0),
                409 when answer.ErrorCode == "projection_out_of_date" => new VerificationCheck(CheckNames.TraceRead, CheckOutcomes.Failed,
                    $"GET /api/v1/traces/{traceId} answered 409 projection_out_of_date: the projections are behind ({answer.ErrorMessage})", [], 0),
                _ => new VerificationCheck(CheckNames.TraceRead, CheckOutcomes.Failed,
                    $"GET /api/v1/traces/{traceId} (tenant {tenant}) answered {answer.Status}{DecisionGraphClient.ErrorOf(answer.Body)}", [], 0),
            };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new VerificationCheck(CheckNames.TraceRead, CheckOutcomes.Failed, $"GET /api/v1/traces/{traceId} failed: {e.Message}", [], 0);
        }
    }

    /// <summary>The DecisionGraph serving a target, or why there is none to ask. Never carries the token into a message.</summary>
    private sealed record Application(string? NotConfigured, Uri? BaseUrl, string? Token, IReadOnlyList<string> Tenants, bool AllowRebuild,
        TimeSpan ReplayTimeout, TimeSpan ReplayPollInterval)
    {
        /// <summary>
        /// A managed target's own DecisionGraphUrl; for a scratch target (a drill's), the DrillDecisionGraphUrl of the
        /// managed database whose server holds it.
        /// </summary>
        public static Application For(RestoreTarget target, ManagedDatabaseOptions? managed, ManagedDatabaseOptions host)
        {
            var (source, url) = managed is not null ? (managed, managed.DecisionGraphUrl) : (host, host.DrillDecisionGraphUrl);
            return url is { Length: > 0 } && source.DecisionGraphToken is { Length: > 0 } token
                ? new Application(null, DecisionGraphClient.BaseOf(url), token, source.DecisionGraphTenants, source.AllowProjectionRebuild,
                    source.RebuildTimeout, source.ReplayPollInterval)
                : new Application(managed is null
                        ? $"{target.Database} is not a managed database and {target.Environment}/{host.Name} names no DrillDecisionGraphUrl, so no DecisionGraph is configured for it"
                        : $"no DecisionGraph URL is configured for {target.Environment}/{target.Database}",
                    null, null, [], false, TimeSpan.Zero, TimeSpan.Zero);
        }

        // A record prints its members; the token must never be printed.
        public override string ToString() => $"Application {{ BaseUrl = {BaseUrl}, Token = *** }}";
    }
}

/// <summary>What one round of replay jobs came to: job ids, their last runs, a 403 refusal of a rebuild, problems.</summary>
public sealed record ReplayOutcome(IReadOnlyList<string> JobIds, IReadOnlyList<ReplayRun> Runs, string? Refusal, IReadOnlyList<string> Problems)
{
    public long DurationMs { get; init; }

    public bool Completed => Refusal is null && Problems.Count == 0;
}
