using Ledger.Contracts.Fidelity;
using Ledger.Contracts.Restores;

namespace Ledger.Agent.Restores;

/// <summary>What asking DecisionGraph for a rebuild came to.</summary>
public sealed record RebuildResult(IReadOnlyList<string> Tenants, IReadOnlyList<string> JobIds, bool HealthyAfter,
    IReadOnlyList<string> Problems, long DurationMs);

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

    public static VerificationCheck ProjectionState(ProjectionAssessment? database, string? error, bool repaired, long ms)
    {
        if (error is not null || database is null)
        {
            return new VerificationCheck(CheckNames.ProjectionState, CheckOutcomes.Failed, $"the projection tables could not be read: {error}", [], ms);
        }

        if (!database.Applies)
        {
            return new VerificationCheck(CheckNames.ProjectionState, CheckOutcomes.Skipped, "not a DecisionGraph database (no dg_event_log)", [], ms);
        }

        var findings = database.Findings.Take(MaxFindings).ToList();
        return database.Healthy
            ? new VerificationCheck(CheckNames.ProjectionState, CheckOutcomes.Passed, "projections are current and trusted", findings, ms)
            : repaired
                ? new VerificationCheck(CheckNames.ProjectionState, CheckOutcomes.Repaired, $"before the rebuild: {database.Summary()}", findings, ms)
                : new VerificationCheck(CheckNames.ProjectionState, CheckOutcomes.Failed, database.Summary(), findings, ms);
    }

    public static VerificationCheck ApplicationHealth(string? notConfigured, int? status, string? error, long ms) =>
        notConfigured is not null
            ? new VerificationCheck(CheckNames.ApplicationHealth, CheckOutcomes.Skipped, notConfigured, [], ms)
            : status == 200
                ? new VerificationCheck(CheckNames.ApplicationHealth, CheckOutcomes.Passed, "GET /api/healthz answered 200", [], ms)
                : new VerificationCheck(CheckNames.ApplicationHealth, CheckOutcomes.Failed,
                    error ?? $"GET /api/healthz answered {status}, not 200", [], ms);

    public static VerificationCheck ApplicationProjections(string? notConfigured, ProjectionAssessment? application,
        IReadOnlyList<string> errors, bool repaired, long ms)
    {
        if (notConfigured is not null)
        {
            return new VerificationCheck(CheckNames.ApplicationProjections, CheckOutcomes.Skipped, notConfigured, [], ms);
        }

        if (errors.Count > 0 || application is null)
        {
            return new VerificationCheck(CheckNames.ApplicationProjections, CheckOutcomes.Failed,
                "GET /api/v1/projections/health did not answer as DecisionGraph does", errors.Take(MaxFindings).ToList(), ms);
        }

        var findings = application.Findings.Take(MaxFindings).ToList();
        return application.Healthy
            ? new VerificationCheck(CheckNames.ApplicationProjections, CheckOutcomes.Passed,
                $"DecisionGraph reports every projection current for {application.Tenants.Count} tenant(s)", findings, ms)
            : repaired
                ? new VerificationCheck(CheckNames.ApplicationProjections, CheckOutcomes.Repaired, $"before the rebuild: {application.Summary()}", findings, ms)
                : new VerificationCheck(CheckNames.ApplicationProjections, CheckOutcomes.Failed, application.Summary(), findings, ms);
    }

    public static VerificationCheck Rebuild(RebuildDecision decision, RebuildResult? result)
    {
        if (!decision.Request || result is null)
        {
            // A needed rebuild that could not be asked for leaves the projection checks failed; this one says why.
            return new VerificationCheck(CheckNames.ProjectionRebuild, decision.Needed ? CheckOutcomes.Skipped : CheckOutcomes.Passed,
                decision.Reason, [], 0);
        }

        return result.HealthyAfter
            ? new VerificationCheck(CheckNames.ProjectionRebuild, CheckOutcomes.Passed,
                $"rebuilt for {result.Tenants.Count} tenant(s) (job(s) {string.Join(", ", result.JobIds)}); projection health is clean again",
                [decision.Reason], result.DurationMs)
            : new VerificationCheck(CheckNames.ProjectionRebuild, CheckOutcomes.Failed,
                result.Problems.Count > 0 && result.JobIds.Count < result.Tenants.Count
                    ? "DecisionGraph did not accept the rebuild"
                    : $"projection health was not clean {TimeSpan.FromMilliseconds(result.DurationMs).TotalSeconds:0.#}s after asking for a rebuild",
                [decision.Reason, .. result.Problems.Take(MaxFindings - 1)], result.DurationMs);
    }

    /// <summary>Passed when no check failed; the reason names every failed check.</summary>
    public static (bool Passed, string Reason) Verdict(IReadOnlyList<VerificationCheck> checks)
    {
        var failed = checks.Where(c => c.Outcome == CheckOutcomes.Failed).ToList();
        return failed.Count == 0
            ? (true, "every check passed, was skipped with its reason, or was repaired")
            : (false, "failed: " + string.Join("; ", failed.Select(c => $"{c.Name} ({c.Detail})")));
    }

    private static string Rows(long? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
}
