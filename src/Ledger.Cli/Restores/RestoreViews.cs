using Ledger.Contracts.Common;
using System.Text.Json;
using Ledger.Cli.Common;
using Ledger.Contracts.Restores;

namespace Ledger.Cli.Restores;

/// <summary>How restores and plans read for people. JSON output does not come through here.</summary>
internal static class RestoreViews
{
    /// <summary>A progress line: <c>restore 3f2a9c1e: writes-blocked on agent-1 (2s)</c>.</summary>
    public static string Progress(RestoreView view, TimeSpan elapsed)
    {
        var what = view.Status switch
        {
            RestoreStatus.Running when view.AgentId is { } agent => $"running on {agent}: checking the artifact",
            RestoreStatus.WritesBlocked => $"{view.TargetDatabase} closed ({view.SessionsTerminated} session(s) ended); pg_restore running",
            RestoreStatus.Verifying => $"restored in {Humanize.Duration(view.DurationMs)}; verifying",
            RestoreStatus.Failed => $"failed at {view.FailureStage}: {view.FailureReason}",
            RestoreStatus.VerificationFailed => $"verification failed: {view.FailureReason}",
            var status => status.ToWire(),
        };
        return $"{(view.Plan ? "plan" : "restore")} {Humanize.ShortId(view.Id)}: {what} ({Humanize.Age(elapsed)})";
    }

    /// <summary>One row per restore or plan, newest first: full ids (they are what <c>restores show</c> takes).</summary>
    public static TextTable Table(IEnumerable<RestoreView> restores, DateTimeOffset now)
    {
        var table = new TextTable(new Column("ID"), new Column("KIND"), new Column("REQUESTED (UTC)"), new Column("BY"),
            new Column("BACKUP OF"), new Column("TARGET"), new Column("STATUS"), new Column("TOOK", Align.Right), new Column("NOTE"));
        foreach (var r in restores)
        {
            var kind = r.Plan ? "plan" : r.DrillId is null ? "restore" : "drill";
            var note = r.Refusal?.Reason ?? (r.FailureStage is null ? null : $"{r.FailureStage}: {r.FailureReason}");
            table.AddRow(r.Id.ToString(), kind, $"{Humanize.Utc(r.RequestedAt)} ({Humanize.Age(now - r.RequestedAt)} ago)", r.RequestedBy,
                $"{r.SourceEnvironment}/{r.SourceDatabase}", $"{r.Environment}/{r.TargetDatabase}", r.Status.ToWire(),
                Humanize.Duration(r.DurationMs is { } d ? d + (r.VerificationMs ?? 0) : null), Humanize.OrNone(note));
        }

        return table;
    }

    public static void WriteRestore(TextWriter output, RestoreView view)
    {
        output.WriteLine($"Restore {view.Id}: {view.Status.ToWire()}");
        var facts = new TextTable([new Column("fact"), new Column("value")], showHeaders: false)
            .AddRow("backup", $"{view.BackupId} ({view.SourceEnvironment}/{view.SourceDatabase}, {Humanize.Size(view.BackupSizeBytes)})")
            .AddRow("target", Target(view))
            .AddRow("requested", $"{Humanize.Utc(view.RequestedAt)} UTC by {view.RequestedBy}")
            .AddRow("agent", Humanize.OrNone(view.AgentId));
        if (view.WritesBlockedAt is not null)
        {
            facts.AddRow("target closed", $"{(view.TargetCreated == true ? "created, " : "")}{view.SessionsTerminated} session(s) ended; "
                                          + $"reopened as allow connections {view.PreviousAllowConnections?.ToString().ToLowerInvariant()}, limit {view.PreviousConnectionLimit}");
        }

        if (view.DurationMs is not null)
        {
            facts.AddRow("restore", $"{Humanize.Duration(view.DurationMs)} (checksum {Humanize.Duration(view.ChecksumMs)}, pg_restore {Humanize.Duration(view.RestoreMs)} with {string.Join(' ', view.RestoreOptions)})");
        }

        if (view.VerificationMs is not null)
        {
            facts.AddRow("verification", Humanize.Duration(view.VerificationMs));
        }

        if (view.OwnerRole is { } owner)
        {
            facts.AddRow("owner", $"{owner} (the target and every restored object)");
        }

        if (view.Refusal is { } refusal)
        {
            facts.AddRow("refused", $"{refusal.Interlock}: {refusal.Reason}");
        }
        else if (view.FailureReason is { } reason)
        {
            facts.AddRow("failure", view.FailureStage is { } stage ? $"{stage}: {reason}" : reason);
        }

        facts.WriteTo(output, indent: "  ");
        if (view.StderrTail is { Length: > 0 } stderr)
        {
            output.WriteLine();
            output.WriteLine("pg_restore stderr (tail):");
            foreach (var line in stderr.TrimEnd().Split('\n').TakeLast(20))
            {
                output.WriteLine("  " + line.TrimEnd('\r'));
            }
        }

        if (view.Checks.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Checks:");
            var checks = new TextTable(new Column("CHECK"), new Column("OUTCOME"), new Column("DETAIL"));
            foreach (var check in view.Checks)
            {
                checks.AddRow(check.Name, check.Outcome, check.Detail);
            }

            checks.WriteTo(output, indent: "  ");
            foreach (var check in view.Checks.Where(c => c.Outcome is CheckOutcomes.Failed or CheckOutcomes.Repaired))
            {
                foreach (var finding in check.Findings)
                {
                    output.WriteLine($"  {check.Name}: {finding}");
                }
            }
        }

        if (view.Rebuild is { } rebuild)
        {
            output.WriteLine();
            output.WriteLine(rebuild.Requested
                ? $"Projections: rebuilt for {string.Join(", ", rebuild.Tenants)} (jobs {string.Join(", ", rebuild.JobIds)}), {(rebuild.HealthyAfter == true ? "healthy after" : "still unhealthy")}; {rebuild.Reason}"
                : $"Projections: no rebuild; {rebuild.Reason}");
        }
    }

    public static void WritePlan(TextWriter output, RestoreView view)
    {
        output.WriteLine($"Plan {view.Id}: restore backup {view.BackupId} into {view.Environment}/{view.TargetDatabase} (nothing was changed)");
        if (view.PlanDetails is not { } plan)
        {
            output.WriteLine(view.FailureReason is { } reason ? $"  the agent could not plan it: {reason}" : "  not planned yet");
            return;
        }

        var state = plan.TargetState;
        new TextTable([new Column("fact"), new Column("value")], showHeaders: false)
            .AddRow("backup", $"{plan.Backup.Environment}/{plan.Backup.Database}, snapshot {Humanize.Utc(plan.Backup.SnapshotAt)} UTC, "
                              + $"{Humanize.Age(TimeSpan.FromSeconds(plan.Backup.AgeSeconds))} old, {Humanize.Size(plan.Backup.SizeBytes)}"
                              + (plan.ArtifactPresent ? "" : "; ARTIFACT MISSING"))
            .AddRow("target", Target(view))
            .AddRow("target now", state.Exists
                ? $"exists, {Humanize.Size(state.SizeBytes)}, {state.ActiveSessions} session(s), allow connections {state.AllowConnections?.ToString().ToLowerInvariant()}, limit {state.ConnectionLimit}"
                  + (state.EventLogHead is { } head ? $", dg_event_log head {head}" : "")
                : "does not exist (it would be created)")
            .AddRow("expected", plan.ExpectedDuration.ExpectedDurationMs is { } ms
                ? $"{Humanize.Duration(ms)} ({plan.ExpectedDuration.Basis})"
                : $"unknown ({plan.ExpectedDuration.Basis})")
            .AddRow("data loss", plan.DataLoss.Summary)
            .WriteTo(output, indent: "  ");

        if (plan.DataLoss.Tables.Count > 0)
        {
            output.WriteLine();
            var tables = new TextTable(new Column("TABLE"), new Column("BACKUP ROWS", Align.Right), new Column("ROWS NOW", Align.Right), new Column("CHANGE"));
            foreach (var change in plan.DataLoss.Tables)
            {
                tables.AddRow($"{change.Schema}.{change.Table}", Count(change.BackupRows), Count(change.TargetRows), change.Change);
            }

            tables.WriteTo(output, indent: "  ");
        }

        output.WriteLine();
        output.WriteLine("Steps:");
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            output.WriteLine($"  {i + 1}. {plan.Steps[i]}");
        }

        if (plan.WouldBeRefused.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Would be refused:");
            foreach (var refusal in plan.WouldBeRefused)
            {
                output.WriteLine($"  {refusal.Interlock}: {refusal.Reason}");
            }
        }
    }

    /// <summary>The refusal in an interlock's problem answer, if the body is one.</summary>
    public static (string Interlock, string Reason, Guid? RestoreId)? RefusalOf(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("interlock", out var interlock) || interlock.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            var reason = root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String ? detail.GetString()! : "";
            Guid? id = root.TryGetProperty("restoreId", out var rid) && rid.ValueKind == JsonValueKind.String && Guid.TryParse(rid.GetString(), out var g) ? g : null;
            return (interlock.GetString()!, reason, id);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Target(RestoreView view) =>
        $"{view.Environment}/{view.TargetDatabase} ({view.TargetRole}, "
        + (view.TargetManaged ? "managed" : $"new database next to {view.HostDatabase}") + ")";

    private static string Count(long? rows) => rows is { } n ? Humanize.Count(n) : Humanize.None;
}
