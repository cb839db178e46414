using Ledger.Contracts.Common;
using Ledger.Cli.Common;
using Ledger.Contracts.Backups;

namespace Ledger.Cli.Backups;

/// <summary>How backups read for people. JSON output does not come through here.</summary>
internal static class BackupViews
{
    /// <summary>A progress line: <c>backup 3f2a9c1e: running on agent-1 (2s)</c>.</summary>
    public static string Progress(RestorePoint backup, TimeSpan elapsed)
    {
        var what = backup.Status switch
        {
            BackupStatus.Running when backup.AgentId is { } agent => $"running on {agent}",
            BackupStatus.Taken => $"taken, {Humanize.Size(backup.SizeBytes)} in {Humanize.Duration(backup.DurationMs)}; verifying",
            BackupStatus.Failed or BackupStatus.VerificationFailed when backup.FailureReason is { } reason => $"{backup.Status.ToWire()}: {reason}",
            var status => status.ToWire(),
        };
        return $"backup {Humanize.ShortId(backup.Id)}: {what} ({Humanize.Age(elapsed)})";
    }

    /// <summary>
    /// One row per backup: short id, env, db, trigger, status, when it finished (UTC), size, release, and age
    /// (since <see cref="RestorePoint.Timestamp"/>, the moment the backup reflects).
    /// </summary>
    public static TextTable Table(IEnumerable<RestorePoint> backups, DateTimeOffset now)
    {
        var table = new TextTable(
            new Column("ID"),
            new Column("ENV"),
            new Column("DB"),
            new Column("TRIGGER"),
            new Column("STATUS"),
            new Column("TAKEN (UTC)"),
            new Column("SIZE", Align.Right),
            new Column("RELEASE"),
            new Column("AGE", Align.Right));

        foreach (var b in backups)
        {
            table.AddRow(
                b.Id.ToString(),
                b.Environment,
                b.Database,
                b.Trigger,
                b.Status.ToWire(),
                Humanize.Utc(b.FinishedAt),
                Humanize.Size(b.SizeBytes),
                Humanize.OrNone(b.Release),
                Humanize.Age(now - b.Timestamp));
        }

        return table;
    }

    /// <summary>Key facts, the table row counts and the event history of one backup.</summary>
    public static void WriteDetail(TextWriter output, BackupDetail detail)
    {
        var b = detail.Backup;
        output.WriteLine($"Backup {b.Id}");

        var facts = new TextTable([new Column("fact"), new Column("value")], showHeaders: false)
            .AddRow("environment", b.Environment)
            .AddRow("database", b.Database)
            .AddRow("trigger", b.Trigger)
            .AddRow("release", Humanize.OrNone(b.Release))
            .AddRow("status", b.Status.ToWire())
            .AddRow("requested", $"{Humanize.Utc(b.RequestedAt)} UTC by {Humanize.OrNone(b.RequestedBy)}")
            .AddRow("agent", Humanize.OrNone(b.AgentId))
            .AddRow("started", Utc(b.StartedAt))
            .AddRow("finished", Utc(b.FinishedAt))
            .AddRow("duration", Humanize.Duration(b.DurationMs))
            .AddRow("size", b.SizeBytes is { } bytes ? $"{Humanize.Size(bytes)} ({Humanize.Count(bytes)} bytes)" : Humanize.None)
            .AddRow("sha256", Humanize.OrNone(b.Sha256))
            .AddRow("artifact", Humanize.OrNone(b.ArtifactPath))
            .AddRow("pg_dump", Humanize.OrNone(b.PgDumpVersion))
            .AddRow("server", Humanize.OrNone(b.ServerVersion))
            .AddRow("dump options", b.DumpOptions.Count > 0 ? string.Join(' ', b.DumpOptions) : Humanize.None)
            .AddRow("verified", Utc(b.VerifiedAt));
        if (!string.IsNullOrWhiteSpace(b.FailureReason))
        {
            facts.AddRow("failure", b.FailureReason);
        }

        facts.WriteTo(output, indent: "  ");

        output.WriteLine();
        if (b.TableRowCounts.Count == 0)
        {
            output.WriteLine("Tables: none counted yet");
        }
        else
        {
            output.WriteLine($"Tables ({b.TableRowCounts.Count}, {Humanize.Count(b.TableRowCounts.Sum(t => t.Rows))} rows)");
            var tables = new TextTable(new Column("TABLE"), new Column("ROWS", Align.Right));
            foreach (var t in b.TableRowCounts.OrderBy(t => t.Schema, StringComparer.Ordinal).ThenBy(t => t.Table, StringComparer.Ordinal))
            {
                tables.AddRow($"{t.Schema}.{t.Table}", Humanize.Count(t.Rows));
            }

            tables.WriteTo(output, indent: "  ");
        }

        if (b.Exports.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"Companion exports ({b.Exports.Count(e => e.Status == CompanionExport.Stored)} stored, "
                + $"{b.Exports.Count(e => e.Status == CompanionExport.Failed)} failed; not restore points)");
            var exports = new TextTable(new Column("TENANT"), new Column("WORKFLOW"), new Column("STATUS"), new Column("SIZE", Align.Right),
                new Column("SHA256 / ERROR"));
            foreach (var e in b.Exports)
            {
                exports.AddRow(e.Tenant, e.WorkflowId, e.Status, e.Status == CompanionExport.Stored ? Humanize.Size(e.SizeBytes) : "",
                    e.Sha256 ?? e.Error ?? "");
            }

            exports.WriteTo(output, indent: "  ");
        }

        output.WriteLine();
        output.WriteLine($"History ({detail.History.Count} events)");
        var history = new TextTable(new Column("#", Align.Right), new Column("AT (UTC)"), new Column("EVENT"));
        foreach (var e in detail.History.OrderBy(e => e.Version))
        {
            history.AddRow(e.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), Humanize.Utc(e.Timestamp), e.Type);
        }

        history.WriteTo(output, indent: "  ");
    }

    private static string Utc(DateTimeOffset? at) => at is null ? Humanize.None : Humanize.Utc(at) + " UTC";
}
