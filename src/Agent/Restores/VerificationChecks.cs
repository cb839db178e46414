using Ledger.Contracts.Fidelity;
using Ledger.Contracts.Restores;

namespace Ledger.Agent.Restores;

/// <summary>How each post-restore check reads, and the verdict over all of them (pure).</summary>
public static class VerificationChecks
{
    public const int MaxFindings = 20;

    public static VerificationCheck Fidelity(DatabaseFingerprint? backup, FingerprintDiff? diff, string? error, long ms)
    {
        if (backup is null)
        {
            return new VerificationCheck(CheckNames.Fidelity, CheckOutcomes.Skipped,
                "the backup has no fingerprint (taken before fingerprints were recorded): nothing to compare the restore with", [], ms);
        }

        if (error is not null || diff is null)
        {
            return new VerificationCheck(CheckNames.Fidelity, CheckOutcomes.Failed, $"the restored database could not be fingerprinted: {error}", [], ms);
        }

        if (diff.Identical)
        {
            return new VerificationCheck(CheckNames.Fidelity, CheckOutcomes.Passed,
                $"identical to the backup: {backup.Tables.Count} table(s), {backup.Sequences.Count} sequence(s), {backup.SchemaObjects.Count} schema object(s)", [], ms);
        }

        var findings = diff.Tables.Select(t => $"table {t.Schema}.{t.Table}: {t.Kind} (backup {Rows(t.SourceRows)}, restored {Rows(t.TargetRows)})")
            .Concat(diff.Sequences.Select(s => $"sequence {s.Schema}.{s.Name}: backup {Rows(s.SourceValue)}, restored {Rows(s.TargetValue)}"))
            .Concat(diff.Schema.Select(s => $"{s.Kind} {s.Name}: {s.Change}"))
            .ToList();
        var extras = diff.Tables.Count(t => t.Kind == "extra") + diff.Sequences.Count(q => q.SourceValue is null) + diff.Schema.Count(o => o.Change == "extra");
        var detail = $"{findings.Count} difference(s) from the backup's fingerprint"
                     + (extras > 0 ? $", {extras} of them in the target only (pg_restore --clean leaves what the backup does not hold: restore into a fresh database)" : "");
        return new VerificationCheck(CheckNames.Fidelity, CheckOutcomes.Failed, detail, findings.Take(MaxFindings).ToList(), ms);
    }

    /// <summary>
    /// The projection tables read in SQL: passed when healthy at once; repaired when the catch-up (or the rebuild) left
    /// them healthy; failed otherwise, with what is still wrong. An unknown schema fails with its findings, never passes.
    /// </summary>
    public static VerificationCheck ProjectionState(ProjectionAssessment? before, string? error, ProjectionAssessment? after, long ms)
    {
        if (error is not null || before is null)
        {
            return new VerificationCheck(CheckNames.ProjectionState, CheckOutcomes.Failed, $"the projection tables could not be read: {error}", [], ms);
        }

        if (!before.Applies)
        {
            return new VerificationCheck(CheckNames.ProjectionState, CheckOutcomes.Skipped, "not a DecisionGraph database (no dg_event_log)", [], ms);
        }

        if (before.Missing)
        {
            return new VerificationCheck(CheckNames.ProjectionState, CheckOutcomes.Failed,
                "the schema is not one DgLedger knows (DecisionGraph migrations 20260307000100..000600): " + string.Join("; ", before.Findings.Take(3)),
                before.Findings.Take(MaxFindings).ToList(), ms);
        }

        if (before.Healthy)
        {
            return new VerificationCheck(CheckNames.ProjectionState, CheckOutcomes.Passed, "projections are current and trusted",
                before.Findings.Take(MaxFindings).ToList(), ms);
        }

        return after is { Healthy: true } && !ReferenceEquals(after, before)
            ? new VerificationCheck(CheckNames.ProjectionState, CheckOutcomes.Repaired, $"before DecisionGraph's replay: {before.Summary()}",
                before.Findings.Take(MaxFindings).ToList(), ms)
            : new VerificationCheck(CheckNames.ProjectionState, CheckOutcomes.Failed, (after ?? before).Summary(),
                (after ?? before).Findings.Take(MaxFindings).ToList(), ms);
    }

    /// <summary>
    /// GET /api/healthz: 200 is not enough (health_controller.ex answers 200 even when the database is down); the body's
    /// store["repo_started?"] must be true and projection_health must not be {"status": "unavailable", ...} (health.ex).
    /// </summary>
    public static VerificationCheck ApplicationHealth(int? status, string body, string? error)
    {
        if (error is not null || status is null)
        {
            return new VerificationCheck(CheckNames.ApplicationHealth, CheckOutcomes.Failed, error ?? "GET /api/healthz did not answer", [], 0);
        }

        if (status != 200)
        {
            return new VerificationCheck(CheckNames.ApplicationHealth, CheckOutcomes.Failed, $"GET /api/healthz answered {status}, not 200", [], 0);
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            var root = document.RootElement;
            var store = root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty("store", out var s) ? s : default;
            var started = ProjectionHealth.Flag(store, "repo_started?");
            var projection = root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty("projection_health", out var p) ? p : default;
            var problems = new List<string>();
            if (started != true)
            {
                problems.Add(started is null ? "the body has no store[\"repo_started?\"]" : "store[\"repo_started?\"] is false: DecisionGraph's database is not reachable");
            }

            if (ProjectionHealth.Text(projection, "status") == "unavailable")
            {
                problems.Add($"projection_health is unavailable: {ProjectionHealth.Text(projection, "reason")}");
            }
            else if (projection.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                problems.Add("the body has no projection_health");
            }

            return problems.Count == 0
                ? new VerificationCheck(CheckNames.ApplicationHealth, CheckOutcomes.Passed,
                    "GET /api/healthz answered 200, repo_started? true, projection_health available", [], 0)
                : new VerificationCheck(CheckNames.ApplicationHealth, CheckOutcomes.Failed, "GET /api/healthz answered 200, but " + string.Join("; ", problems), problems, 0);
        }
        catch (System.Text.Json.JsonException)
        {
            return new VerificationCheck(CheckNames.ApplicationHealth, CheckOutcomes.Failed, "GET /api/healthz answered 200 without a JSON body", [], 0);
        }
    }

    /// <summary>The catch_up replay per tenant: passed when every job was admitted (202) and ended completed.</summary>
    public static VerificationCheck CatchUp(string? stopped, ReplayOutcome outcome, long ms)
    {
        if (stopped is not null)
        {
            return new VerificationCheck(CheckNames.ProjectionCatchUp, CheckOutcomes.Skipped, stopped, [], 0);
        }

        var runs = outcome.Runs.Select(r => $"{r.JobId} {r.Status}, {r.ProcessedEvents} event(s) processed, at log_seq {r.LastLogSeq}").ToList();
        return outcome.Completed
            ? new VerificationCheck(CheckNames.ProjectionCatchUp, CheckOutcomes.Passed,
                $"catch_up admitted (202) and completed: job(s) {string.Join(", ", outcome.JobIds)}", runs, ms)
            : new VerificationCheck(CheckNames.ProjectionCatchUp, CheckOutcomes.Failed, string.Join("; ", outcome.Problems.Take(3)),
                [.. outcome.Problems.Take(MaxFindings), .. runs], ms);
    }

    public static VerificationCheck ApplicationProjections(string? stopped, ProjectionAssessment? before, ProjectionAssessment? after,
        IReadOnlyList<string> errors, string? repairedBy, long ms)
    {
        if (stopped is not null)
        {
            return new VerificationCheck(CheckNames.ApplicationProjections, CheckOutcomes.Skipped, stopped, [], ms);
        }

        if (errors.Count > 0 || before is null || after is null)
        {
            return new VerificationCheck(CheckNames.ApplicationProjections, CheckOutcomes.Failed,
                "GET /api/v1/projections/health did not answer as DecisionGraph does" + (errors.Count > 0 ? ": " + errors[0] : ""),
                errors.Take(MaxFindings).ToList(), ms);
        }

        if (before.Healthy)
        {
            return new VerificationCheck(CheckNames.ApplicationProjections, CheckOutcomes.Passed,
                $"DecisionGraph reports every projection current for {before.Tenants.Count} tenant(s)", before.Findings.Take(MaxFindings).ToList(), ms);
        }

        return after.Healthy && repairedBy is not null
            ? new VerificationCheck(CheckNames.ApplicationProjections, CheckOutcomes.Repaired, $"before {repairedBy}: {before.Summary()}",
                before.Findings.Take(MaxFindings).ToList(), ms)
            : new VerificationCheck(CheckNames.ApplicationProjections, CheckOutcomes.Failed, after.Summary(), after.Findings.Take(MaxFindings).ToList(), ms);
    }

    /// <summary>
    /// The rebuild: passed when none was needed, or when the one asked for completed and left the projections trusted;
    /// failed when DecisionGraph refused it (403, with DecisionGraph's reason), its job failed, or the state stayed
    /// untrusted; skipped (leaving the projection checks failed) when it was needed but not allowed.
    /// </summary>
    public static VerificationCheck Rebuild(string? stopped, RebuildDecision decision, ReplayOutcome? result, ProjectionAssessment? database,
        ProjectionAssessment? application)
    {
        if (stopped is not null)
        {
            return new VerificationCheck(CheckNames.ProjectionRebuild, CheckOutcomes.Skipped, stopped, [], 0);
        }

        if (!decision.Request || result is null)
        {
            return new VerificationCheck(CheckNames.ProjectionRebuild, decision.Needed ? CheckOutcomes.Skipped : CheckOutcomes.Passed, decision.Reason, [], 0);
        }

        if (result.Refusal is { } refusal)
        {
            return new VerificationCheck(CheckNames.ProjectionRebuild, CheckOutcomes.Failed, $"DecisionGraph refused the rebuild: {refusal}",
                [decision.Reason, .. result.Problems.Take(MaxFindings - 1)], result.DurationMs);
        }

        var trusted = database?.Untrusted != true && application?.Untrusted != true;
        return result.Completed && trusted
            ? new VerificationCheck(CheckNames.ProjectionRebuild, CheckOutcomes.Passed,
                $"rebuilt (job(s) {string.Join(", ", result.JobIds)}); the projections are trusted again", [decision.Reason], result.DurationMs)
            : new VerificationCheck(CheckNames.ProjectionRebuild, CheckOutcomes.Failed,
                result.Completed ? "the rebuild completed but the projections are still untrusted" : string.Join("; ", result.Problems.Take(3)),
                [decision.Reason, .. result.Problems.Take(MaxFindings - 1)], result.DurationMs);
    }

    /// <summary>Passed when no check failed; the reason names every failed check.</summary>
    /// <summary>The owner role's access to the restored data (<see cref="TargetOwnership.ProblemsAsync"/>).</summary>
    public static VerificationCheck Ownership(string? owner, IReadOnlyList<string> problems, string? error, long ms) => (owner, error) switch
    {
        (null, _) => new VerificationCheck(CheckNames.Ownership, CheckOutcomes.Skipped,
            "no owner role (none configured, none recorded with the backup): the restored objects stay with the agent's role", [], ms),
        (_, { } e) => new VerificationCheck(CheckNames.Ownership, CheckOutcomes.Failed, $"could not read the target's ownership: {e}", [], ms),
        _ when problems.Count > 0 => new VerificationCheck(CheckNames.Ownership, CheckOutcomes.Failed,
            $"{owner} cannot use {problems.Count} object(s) of the restored data", problems.Take(50).ToList(), ms),
        _ => new VerificationCheck(CheckNames.Ownership, CheckOutcomes.Passed,
            $"{owner} owns the database, its tables and sequences, and may read and write them", [], ms),
    };

    public static (bool Passed, string Reason) Verdict(IReadOnlyList<VerificationCheck> checks)
    {
        var failed = checks.Where(c => c.Outcome == CheckOutcomes.Failed).ToList();
        return failed.Count == 0
            ? (true, "every check passed, was skipped with its reason, or was repaired")
            : (false, "failed: " + string.Join("; ", failed.Select(c => $"{c.Name} ({c.Detail})")));
    }

    private static string Rows(long? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
}
