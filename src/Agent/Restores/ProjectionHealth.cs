using System.Text.Json;

namespace Ledger.Agent.Restores;

/// <summary>
/// What a look at projections found: an unknown schema, projections behind the event log, projections that cannot be
/// trusted (open failures, a digest missing or not at its cursor, a cursor past the log's head, replay jobs left queued
/// or running), each with readable findings.
/// </summary>
public sealed record ProjectionAssessment(bool Applies, bool Missing, bool Behind, bool Untrusted, IReadOnlyList<string> Findings,
    IReadOnlyList<string> Tenants)
{
    public bool Healthy => !Missing && !Behind && !Untrusted;
    public bool NeedsRebuild => Applies && Untrusted;
    public bool NeedsCatchUp => Applies && Behind;

    /// <summary>"schema unknown; behind; untrusted" as it applies, for reasons and details.</summary>
    public string Summary() =>
        !Applies ? "not a DecisionGraph database"
        : Healthy ? "healthy"
        : string.Join("; ", new[] { Missing ? "schema unknown to DgLedger" : null, Behind ? "projections behind the event log" : null,
            Untrusted ? "projections untrusted" : null }.OfType<string>());
}

/// <summary>Pure judgements of projection health: from the database's own tables, and from DecisionGraph's answer.</summary>
public static class ProjectionHealth
{
    /// <summary>
    /// Per tenant of the event log, as DecisionGraph's projector/admin.ex projection_health/1 computes it: every
    /// projection's cursor (0 when it has no row) against the tenant's head (behind when lower); its digest row
    /// (untrusted when missing, not "sha256:" + 64 hex, or not at the cursor's position: write.ex refreshes digests in
    /// the same transaction as the cursor); the full_projection digest; open failures and replay jobs still queued or
    /// running (untrusted: RESTART_AND_RECOVERY_CHECKLIST.md "no unexpected open failures", "no stuck queued/running
    /// runs"). An unknown schema is a finding that names what is missing; a database without dg_event_log does not apply.
    /// </summary>
    public static ProjectionAssessment Assess(ProjectionState state)
    {
        if (!state.Schema.IsDecisionGraph)
        {
            return new ProjectionAssessment(false, false, false, false, [.. state.Schema.Problems], []);
        }

        if (state.Schema.Problems.Count > 0)
        {
            return new ProjectionAssessment(true, true, false, false,
                [.. state.Schema.Problems.Select(p => "unknown schema: " + p)], []);
        }

        var findings = new List<string>();
        bool behind = false, untrusted = false;
        var cursors = state.Cursors.ToDictionary(c => (c.Tenant, c.Projection), c => c.LastLogSeq);
        var digests = state.Digests.ToDictionary(d => (d.Tenant, d.Projection));
        foreach (var head in state.Heads)
        {
            var positions = new List<long>();
            foreach (var projection in DecisionGraphSchemaVersions.Projections)
            {
                var cursor = cursors.GetValueOrDefault((head.Tenant, projection), 0);
                positions.Add(cursor);
                if (cursor < head.Head)
                {
                    behind = true;
                    findings.Add($"tenant {head.Tenant}: {projection} at log_seq {cursor} of {head.Head} ({head.Head - cursor} pending)");
                }
                else if (cursor > head.Head)
                {
                    untrusted = true;
                    findings.Add($"tenant {head.Tenant}: {projection} at log_seq {cursor}, past the log's head {head.Head}");
                }

                untrusted |= DigestProblem(head.Tenant, projection, cursor, digests, findings);
            }

            untrusted |= DigestProblem(head.Tenant, DecisionGraphSchemaVersions.FullProjection, positions.Min(), digests, findings);
        }

        foreach (var orphan in state.Cursors.Where(c => state.Heads.All(h => h.Tenant != c.Tenant) && c.LastLogSeq > 0))
        {
            untrusted = true;
            findings.Add($"tenant {orphan.Tenant}: {orphan.Projection} at log_seq {orphan.LastLogSeq}, but the tenant has no events");
        }

        foreach (var open in state.Failures.Where(f => f.Count > 0))
        {
            untrusted = true;
            findings.Add($"tenant {open.Tenant}: {open.Count} open projection failure(s) in {open.Projection}");
        }

        foreach (var run in state.Runs)
        {
            untrusted = true;
            findings.Add($"tenant {run.Tenant}: replay job {run.JobId} ({run.Mode} {run.Projection}) still {run.Status} since {run.RequestedAt}; nothing will finish it after a restore");
        }

        if (!behind && !untrusted)
        {
            findings.Add($"{state.Heads.Count} tenant(s): every projection at the log's head with its digest, no open failures, no open runs");
        }

        return new ProjectionAssessment(true, false, behind, untrusted, findings, [.. state.Heads.Select(h => h.Tenant)]);
    }

    private static bool DigestProblem(string tenant, string projection, long cursor,
        Dictionary<(string, string), ProjectionDigest> digests, List<string> findings)
    {
        if (!digests.TryGetValue((tenant, projection), out var digest))
        {
            findings.Add($"tenant {tenant}: no {projection} digest");
            return true;
        }

        if (!IsDigest(digest.DigestValue))
        {
            findings.Add($"tenant {tenant}: {projection} digest is not sha256:<64 hex>");
            return true;
        }

        if (digest.LastLogSeq != cursor)
        {
            findings.Add($"tenant {tenant}: {projection} digest at log_seq {digest.LastLogSeq}, its cursor at {cursor}");
            return true;
        }

        return false;
    }

    /// <summary>projector/digests.ex hash/1: "sha256:" &lt;&gt; lowercase hex.</summary>
    public static bool IsDigest(string value) =>
        value.Length == 71 && value.StartsWith("sha256:", StringComparison.Ordinal) && value.AsSpan(7).ContainsAnyExcept("0123456789abcdef") is false;

    /// <summary>
    /// DecisionGraph's <c>GET /api/v1/projections/health</c> answer for one tenant (projector/admin.ex projection_health/1):
    /// 200 with <c>{"data": {tenant_id, event_log_last_seq, projections: [{projection_name, last_log_seq, pending_events,
    /// is_stale, updated_at, digest, open_failures}], open_runs, full_digest}, "request_id"}</c>. Behind: is_stale or
    /// pending_events &gt; 0. Untrusted: open failures, a missing digest, open runs. Returns the assessment, or an error when
    /// the answer breaks the contract.
    /// </summary>
    public static (ProjectionAssessment? Assessment, string? Error) AssessApplication(string tenant, int status, string body)
    {
        if (status != 200)
        {
            return (null, $"tenant {tenant}: HTTP {status}{DecisionGraphClient.ErrorOf(body)}");
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

        if (!data.TryGetProperty("projections", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return (null, $"tenant {tenant}: data.projections is missing");
        }

        var findings = new List<string>();
        bool behind = false, untrusted = false;
        var projections = list.EnumerateArray().ToList();
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

            if (!projection.TryGetProperty("digest", out var digest) || digest.ValueKind == JsonValueKind.Null)
            {
                untrusted = true;
                findings.Add($"tenant {tenant}: DecisionGraph reports no digest for {name}");
            }
        }

        if (data.TryGetProperty("open_runs", out var runs) && runs.ValueKind == JsonValueKind.Array && runs.GetArrayLength() > 0)
        {
            untrusted = true;
            findings.Add($"tenant {tenant}: DecisionGraph reports {runs.GetArrayLength()} replay job(s) queued or running: "
                + string.Join(", ", runs.EnumerateArray().Select(r => $"{Text(r, "job_id")} {Text(r, "status")}")));
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

    internal static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static long? Number(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    internal static bool? Flag(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}
