using System.Diagnostics;
using Ledger.Contracts.Fidelity;
using Ledger.Contracts.Restores;
using Ledger.Postgres;
using Ledger.Postgres.Fidelity;
using Npgsql;

namespace Ledger.Agent.Restores;

/// <summary>
/// Verifies a restored target, in the runbook's order: (1) fidelity, the restored database's fingerprint against the
/// backup's; (2) projection state inside the database, per tenant; (3) DecisionGraph, when a URL is configured for the
/// target: <c>/api/healthz</c> and projection health per tenant; (4) the rebuild decision, asking DecisionGraph for a
/// rebuild when projections are missing, behind or untrusted and that is allowed, then waiting for health to be clean.
/// Reports the rebuild (or why there was none) and then the verdict with every check.
/// </summary>
public sealed class RestoreVerifier(AgentOptions options, DecisionGraphClient decisionGraph, TimeProvider clock, ILogger<RestoreVerifier> log)
{
    public static readonly TimeSpan RebuildPollInterval = TimeSpan.FromMilliseconds(500);

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
        var application = Application.For(target, target.Managed ? options.Find(target.Environment, target.Database) : null);
        var total = Stopwatch.StartNew();

        var fidelity = await FidelityAsync(request.Backup.Fingerprint, connection, ct);

        var watch = Stopwatch.StartNew();
        var (database, databaseError) = await ReadProjectionsAsync(connection, ct);
        var databaseMs = watch.ElapsedMilliseconds;

        var tenants = application.Tenants.Count > 0 ? application.Tenants
            : database?.Tenants is { Count: > 0 } found ? found
            : ["default"];

        watch.Restart();
        var (healthStatus, healthError) = await HealthzAsync(application, ct);
        var healthMs = watch.ElapsedMilliseconds;

        watch.Restart();
        var (app, appErrors) = await ApplicationProjectionsAsync(application, tenants, ct);
        var appMs = watch.ElapsedMilliseconds;

        var decision = RebuildDecision.Decide(database ?? NotApplicable, app, application.NotConfigured is null,
            application.AllowRebuild, $"{target.Environment}/{target.Database}");
        RebuildResult? rebuild = null;
        object rebuildReport;
        if (decision.Request)
        {
            rebuild = await RebuildAsync(request, application, tenants, decision.Reason, connection, database?.Applies == true, ct);
            rebuildReport = new ProjectionsRebuilt(request.RestoreId, options.Id, decision.Reason, rebuild.Tenants, rebuild.JobIds,
                rebuild.HealthyAfter, rebuild.DurationMs, clock.GetUtcNow());
        }
        else
        {
            rebuildReport = new ProjectionRebuildSkipped(request.RestoreId, options.Id, decision.Needed, decision.Reason, clock.GetUtcNow());
        }

        var repaired = rebuild?.HealthyAfter == true;
        IReadOnlyList<VerificationCheck> checks =
        [
            fidelity,
            VerificationChecks.ProjectionState(database, databaseError, repaired, databaseMs),
            VerificationChecks.ApplicationHealth(application.NotConfigured, healthStatus, healthError, healthMs),
            VerificationChecks.ApplicationProjections(application.NotConfigured, app, appErrors, repaired, appMs),
            VerificationChecks.Rebuild(decision, rebuild),
        ];
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

    private async Task<(int?, string?)> HealthzAsync(Application application, CancellationToken ct)
    {
        if (application.NotConfigured is not null)
        {
            return (null, null);
        }

        try
        {
            return ((await decisionGraph.HealthzAsync(application.BaseUrl!, ct)).Status, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return (null, $"DecisionGraph at {application.BaseUrl} could not be reached: {e.Message}");
        }
    }

    private async Task<(ProjectionAssessment?, IReadOnlyList<string>)> ApplicationProjectionsAsync(Application application,
        IReadOnlyList<string> tenants, CancellationToken ct)
    {
        if (application.NotConfigured is not null)
        {
            return (null, []);
        }

        var parts = new List<ProjectionAssessment>();
        var errors = new List<string>();
        foreach (var tenant in tenants)
        {
            try
            {
                var answer = await decisionGraph.ProjectionHealthAsync(application.BaseUrl!, application.Token!, tenant, ct);
                var (assessment, error) = ProjectionHealth.AssessApplication(tenant, answer.Status, answer.Body);
                if (assessment is not null) parts.Add(assessment);
                if (error is not null) errors.Add(error);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                errors.Add($"tenant {tenant}: DecisionGraph could not be reached: {e.Message}");
            }
        }

        return (errors.Count > 0 ? null : ProjectionHealth.Combine(parts), errors);
    }

    private async Task<RebuildResult> RebuildAsync(RestoreBackup request, Application application, IReadOnlyList<string> tenants,
        string reason, string connection, bool checkDatabase, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var jobs = new List<string>();
        var problems = new List<string>();
        var why = $"dgledger restore {request.RestoreId} of backup {request.Backup.BackupId}: {reason}";
        foreach (var tenant in tenants)
        {
            try
            {
                var answer = await decisionGraph.RequestRebuildAsync(application.BaseUrl!, application.Token!, tenant, why, ct);
                if (answer.Status is 200 or 201 or 202)
                {
                    jobs.Add(DecisionGraphClient.JobIdOf(answer.Body) ?? $"{tenant}:unknown");
                }
                else
                {
                    problems.Add($"tenant {tenant}: POST /api/v1/admin/replays answered {answer.Status}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                problems.Add($"tenant {tenant}: DecisionGraph could not be reached: {e.Message}");
            }
        }

        if (problems.Count > 0)
        {
            return new RebuildResult(tenants, jobs, false, problems, watch.ElapsedMilliseconds);
        }

        // Poll what can be observed (DecisionGraph's health, and the database's own tables) until clean or out of time.
        var deadline = watch.Elapsed + application.RebuildTimeout;
        IReadOnlyList<string> still = [];
        while (true)
        {
            var (database, databaseError) = checkDatabase ? await ReadProjectionsAsync(connection, ct) : (null, null);
            var (app, appErrors) = await ApplicationProjectionsAsync(application, tenants, ct);
            still = [.. databaseError is null ? [] : new[] { databaseError }, .. database is { Healthy: false } ? database.Findings : [],
                .. appErrors, .. app is { Healthy: false } ? app.Findings : []];
            if (still.Count == 0)
            {
                return new RebuildResult(tenants, jobs, true, [], watch.ElapsedMilliseconds);
            }

            if (watch.Elapsed >= deadline)
            {
                return new RebuildResult(tenants, jobs, false, still, watch.ElapsedMilliseconds);
            }

            await Task.Delay(RebuildPollInterval, clock, ct);
        }
    }

    /// <summary>The DecisionGraph serving a target, or why there is none to ask. Never carries the token into a message.</summary>
    private sealed record Application(string? NotConfigured, Uri? BaseUrl, string? Token, IReadOnlyList<string> Tenants, bool AllowRebuild,
        TimeSpan RebuildTimeout)
    {
        public static Application For(RestoreTarget target, ManagedDatabaseOptions? managed) =>
            managed is { DecisionGraphUrl: { Length: > 0 } url, DecisionGraphToken: { Length: > 0 } token }
                ? new Application(null, DecisionGraphClient.BaseOf(url), token, managed.DecisionGraphTenants, managed.AllowProjectionRebuild,
                    managed.RebuildTimeout)
                : new Application(managed is null
                        ? $"{target.Database} is not a managed database, so no DecisionGraph is configured for it"
                        : $"no DecisionGraph URL is configured for {target.Environment}/{target.Database}",
                    null, null, [], false, TimeSpan.Zero);

        // A record prints its members; the token must never be printed.
        public override string ToString() => $"Application {{ BaseUrl = {BaseUrl}, Token = *** }}";
    }
}
