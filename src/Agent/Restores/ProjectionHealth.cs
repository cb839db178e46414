using System.Text.Json;

namespace Ledger.Agent.Restores;

/// <summary>
/// What a look at projections found: missing tables, projections behind the event log, projections that cannot be
/// trusted (no digest at their position, open failures, a cursor past the log's head), each with readable findings.
/// </summary>
public sealed record ProjectionAssessment(bool Applies, bool Missing, bool Behind, bool Untrusted, IReadOnlyList<string> Findings,
    IReadOnlyList<string> Tenants)
{
    public bool Healthy => !Missing && !Behind && !Untrusted;
    public bool NeedsRebuild => Applies && !Healthy;

    /// <summary>"tables missing; behind; untrusted" as it applies, for reasons and details.</summary>
    public string Summary() =>
        !Applies ? "not a DecisionGraph database"
        : Healthy ? "healthy"
        : string.Join("; ", new[] { Missing ? "projection tables missing" : null, Behind ? "projections behind the event log" : null,
            Untrusted ? "projections untrusted" : null }.OfType<string>());
}

/// <summary>Pure judgements of projection health: from the database's own tables, and from DecisionGraph's answer.</summary>
public static class ProjectionHealth
{
    /// <summary>
    /// Per tenant of the event log: every projection cursor against the log's head (a tenant with events and no cursor
    /// has nothing projected), a digest at each cursor's position, and open failures. A database without dg_event_log
    /// is not DecisionGraph's: the assessment does not apply.
    /// </summary>
    public static ProjectionAssessment Assess(ProjectionState state)
    {
        if (!state.Tables.EventLog)
        {
            return new ProjectionAssessment(false, false, false, false, ["no dg_event_log table: not a DecisionGraph database"], []);
        }

        var findings = new List<string>();
        var missingTables = state.Tables.Missing();
        var missing = missingTables.Count > 0;
        if (missing)
        {
            findings.Add($"missing table(s): {string.Join(", ", missingTables)}");
        }

        bool behind = false, untrusted = false;
        var digests = state.Digests.GroupBy(d => (d.Tenant, d.Projection)).ToDictionary(g => g.Key, g => g.Max(d => d.AtLogSeq));
        // DecisionGraph may keep one digest per tenant over the whole event chain rather than one per projection.
        var tenantDigests = state.Digests.GroupBy(d => d.Tenant).ToDictionary(g => g.Key, g => g.Max(d => d.AtLogSeq));
        foreach (var head in state.Heads)
        {
            var cursors = state.Cursors.Where(c => c.Tenant == head.Tenant).ToList();
            if (state.Tables.Cursors && cursors.Count == 0)
            {
                behind = true;
                findings.Add($"tenant {head.Tenant}: {head.Events} event(s) up to log_seq {head.Head}, but no projection cursor");
            }

            foreach (var cursor in cursors)
            {
                if (cursor.LastLogSeq < head.Head)
                {
                    behind = true;
                    findings.Add($"tenant {head.Tenant}: {cursor.Projection} at log_seq {cursor.LastLogSeq} of {head.Head} ({head.Head - cursor.LastLogSeq} behind)");
                }
                else if (cursor.LastLogSeq > head.Head)
                {
                    untrusted = true;
                    findings.Add($"tenant {head.Tenant}: {cursor.Projection} at log_seq {cursor.LastLogSeq}, past the log's head {head.Head}");
                }

                var digestAt = Math.Max(digests.GetValueOrDefault((cursor.Tenant, cursor.Projection), long.MinValue),
                    tenantDigests.GetValueOrDefault(cursor.Tenant, long.MinValue));
                if (state.Tables.Digests && digestAt < cursor.LastLogSeq)
                {
                    untrusted = true;
                    findings.Add($"tenant {head.Tenant}: {cursor.Projection} has no digest at log_seq {cursor.LastLogSeq}");
                }
            }
        }

        foreach (var orphan in state.Cursors.Where(c => state.Heads.All(h => h.Tenant != c.Tenant) && c.LastLogSeq > 0))
        {
            untrusted = true;
            findings.Add($"tenant {orphan.Tenant}: {orphan.Projection} at log_seq {orphan.LastLogSeq}, but the tenant has no events");
        }

        // Open failures are counted, as the runbook asks; they are part of a live install's normal state (an event a
        // projection could not apply, awaiting an operator) and do not by themselves make a restore untrustworthy.
        // DecisionGraph's own health answer (checked separately) decides whether they do.
        var openFailures = state.Failures.Sum(f => f.Count);
        foreach (var open in state.Failures.Where(f => f.Count > 0))
        {
            findings.Add($"tenant {open.Tenant}: {open.Count} open projection failure(s)");
        }

        if (!missing && !behind && !untrusted)
        {
            findings.Add($"{state.Heads.Count} tenant(s), {state.Cursors.Count} projection cursor(s) at the log's head, digests present, {openFailures} open failure(s)");
        }

        return new ProjectionAssessment(true, missing, behind, untrusted, findings, state.Heads.Select(h => h.Tenant).ToList());
    }

    /// <summary>
    /// DecisionGraph's <c>GET /api/v1/projections/health</c> answer for one tenant: 200 with <c>{"data": ..., "request_id": ...}</c>,
    /// data holding <c>projections</c>, each with <c>projection_name</c>, <c>is_stale</c>, <c>pending_events</c>,
    /// <c>open_failures</c> and <c>digest</c>. Returns the assessment, or an error when the answer breaks the contract.
    /// </summary>
    public static (ProjectionAssessment? Assessment, string? Error) AssessApplication(string tenant, int status, string body)
    {
        if (status != 200)
        {
            return (null, $"tenant {tenant}: HTTP {status}{ErrorOf(body)}");
        }

        JsonElement data;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var found) || found.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("request_id", out _))
            {
                return (null, $"tenant {tenant}: the answer is not a {{\"data\": ..., \"request_id\": ...}} envelope");
            }

            data = found.Clone();
        }
        catch (JsonException)
        {
            return (null, $"tenant {tenant}: the answer is not JSON");
        }

        var findings = new List<string>();
        bool behind = false, untrusted = false;
        var projections = data.TryGetProperty("projections", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList() : [];
        foreach (var projection in projections)
        {
            var name = Text(projection, "projection_name") ?? "?";
            var pending = Number(projection, "pending_events") ?? 0;
            if (Flag(projection, "is_stale") == true || pending > 0)
            {
                behind = true;
                findings.Add($"tenant {tenant}: DecisionGraph reports {name} stale ({pending} pending event(s))");
            }

            if (Number(projection, "open_failures") is > 0 and var failures)
            {
                untrusted = true;
                findings.Add($"tenant {tenant}: DecisionGraph reports {failures} open failure(s) in {name}");
            }

            if (projection.TryGetProperty("digest", out var digest) && digest.ValueKind == JsonValueKind.Null)
            {
                untrusted = true;
                findings.Add($"tenant {tenant}: DecisionGraph reports no digest for {name}");
            }
        }

        if (!behind && !untrusted)
        {
            findings.Add($"tenant {tenant}: DecisionGraph reports {projections.Count} projection(s) current, with digests, no open failures");
        }

        return (new ProjectionAssessment(true, false, behind, untrusted, findings, [tenant]), null);
    }

    /// <summary>Several tenants' assessments as one.</summary>
    public static ProjectionAssessment Combine(IReadOnlyCollection<ProjectionAssessment> parts) =>
        new(parts.Any(p => p.Applies), parts.Any(p => p.Missing), parts.Any(p => p.Behind), parts.Any(p => p.Untrusted),
            parts.SelectMany(p => p.Findings).ToList(), parts.SelectMany(p => p.Tenants).Distinct().ToList());

    private static string ErrorOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                ? $" ({Text(error, "code")}: {Text(error, "message")})"
                : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    private static bool? Flag(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}
