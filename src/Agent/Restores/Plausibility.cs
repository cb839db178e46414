using System.Globalization;
using Ledger.Contracts.Fidelity;
using Ledger.Contracts.Restores;
using Npgsql;

namespace Ledger.Agent.Restores;

/// <summary>
/// BACKUP_AND_RESTORE.md: after a restore, "recent traces and workflow items look plausible". The newest rows of a
/// DecisionGraph database, read in SQL at a backup's snapshot and again in the restored database, side by side.
/// </summary>
public static class Plausibility
{
    public const string CheckName = "plausibility";

    // RFC 3339 as PostgreSQL may cast it: a guard so that one malformed text never aborts the reading.
    private const string Rfc3339Pattern = @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$";

    /// <summary>
    /// Reads the marks on <paramref name="connection"/> (inside a backup's snapshot transaction, or on a restored
    /// database). Never throws for a database that is not DecisionGraph's or lacks a table: the marks say what is missing.
    /// </summary>
    public static async Task<DecisionGraphMarks?> ReadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var tables = await ProjectionState.QueryAsync(connection,
            "select t from unnest($1::text[]) t where pg_catalog.to_regclass(t) is not null", r => r.GetString(0), ct,
            new object[] { new[] { "dg_event_log", "dg_trace_summary", "dg_workflow_items" } });
        if (!tables.Contains("dg_event_log"))
        {
            return null;
        }

        try
        {
            var newest = (await ProjectionState.QueryAsync(connection,
                "select log_seq, tenant_id, recorded_at from dg_event_log order by log_seq desc limit 1",
                r => (LogSeq: r.GetInt64(0), Tenant: r.GetString(1), RecordedAt: r.GetString(2)), ct)).Cast<(long LogSeq, string Tenant, string RecordedAt)?>().FirstOrDefault();
            (string Tenant, string TraceId, long LastLogSeq)? trace = null;
            if (tables.Contains("dg_trace_summary"))
            {
                // dg_api/.../api/traces.ex list_recent_traces/2: ORDER BY last_log_seq DESC, trace_id ASC.
                trace = (await ProjectionState.QueryAsync(connection,
                    "select tenant_id, trace_id, last_log_seq from dg_trace_summary order by last_log_seq desc, trace_id asc limit 1",
                    r => (r.GetString(0), r.GetString(1), r.GetInt64(2)), ct)).Cast<(string, string, long)?>().FirstOrDefault();
            }

            (string WorkflowId, DateTime At)? workflow = null;
            if (tables.Contains("dg_workflow_items"))
            {
                workflow = (await ProjectionState.QueryAsync(connection, $"""
                    select workflow_id, t from (
                        select workflow_id, greatest(case when updated_at ~ '{Rfc3339Pattern}' then updated_at::timestamptz end,
                                                     case when last_action_at ~ '{Rfc3339Pattern}' then last_action_at::timestamptz end) as t
                        from dg_workflow_items) x
                    where t is not null order by t desc, workflow_id asc limit 1
                    """, r => (r.GetString(0), r.GetFieldValue<DateTime>(1)), ct)).Cast<(string, DateTime)?>().FirstOrDefault();
            }

            return new DecisionGraphMarks(newest?.LogSeq, newest?.Tenant, newest?.RecordedAt, trace?.Tenant, trace?.TraceId, trace?.LastLogSeq,
                workflow?.WorkflowId, workflow is { } w ? Format(new DateTimeOffset(w.At, TimeSpan.Zero)) : null);
        }
        catch (PostgresException e)
        {
            return new DecisionGraphMarks(null, null, null, null, null, null, null, null, $"the newest rows could not be read: {e.SqlState}: {e.MessageText}");
        }
    }

    /// <summary>
    /// The restored marks against the backup's. Passed when they are the same point in time; failed, naming both sides,
    /// when the restored database is newer (rows written after the backup: something wrote into the target) or older.
    /// </summary>
    public static VerificationCheck Compare(DecisionGraphMarks? backup, DecisionGraphMarks? restored, string? error, long ms)
    {
        if (error is not null)
        {
            return new VerificationCheck(CheckName, CheckOutcomes.Failed, $"the restored database's newest rows could not be read: {error}", [], ms);
        }

        if (backup is null)
        {
            return new VerificationCheck(CheckName, CheckOutcomes.Skipped, restored is null
                ? "not a DecisionGraph database (no dg_event_log): no traces or workflow items to judge"
                : "the backup recorded no newest rows at its snapshot (taken before DgLedger recorded them): nothing to compare with", [], ms);
        }

        if (backup.Problem is not null || restored?.Problem is not null)
        {
            return new VerificationCheck(CheckName, CheckOutcomes.Failed, "the newest rows could not be read: " + (backup.Problem ?? restored!.Problem), [], ms);
        }

        restored ??= new DecisionGraphMarks(null, null, null, null, null, null, null, null);
        var findings = new List<string>
        {
            $"newest event: restored {Event(restored)}, backup {Event(backup)}",
            $"newest trace summary: restored {Trace(restored)}, backup {Trace(backup)}",
            $"newest workflow activity: restored {Workflow(restored)}, backup {Workflow(backup)}",
        };
        var newer = new List<string>();
        var older = new List<string>();
        Judge(restored.NewestLogSeq, backup.NewestLogSeq, "event log_seq", newer, older);
        Judge(Parse(restored.NewestRecordedAt), Parse(backup.NewestRecordedAt), "event recorded_at", newer, older);
        Judge(restored.NewestTraceLastLogSeq, backup.NewestTraceLastLogSeq, "trace summary last_log_seq", newer, older);
        Judge(Parse(restored.NewestWorkflowActivity), Parse(backup.NewestWorkflowActivity), "workflow activity", newer, older);
        if (newer.Count == 0 && older.Count == 0)
        {
            return new VerificationCheck(CheckName, CheckOutcomes.Passed,
                $"the restored point in time is the backup's: newest event {Event(restored)}, newest trace {Trace(restored)}", findings, ms);
        }

        var detail = string.Join("; ", new[]
        {
            newer.Count > 0 ? "the restored database is newer than its backup (" + string.Join(", ", newer) + ")" : null,
            older.Count > 0 ? "the restored database is older than its backup (" + string.Join(", ", older) + ")" : null,
        }.OfType<string>());
        return new VerificationCheck(CheckName, CheckOutcomes.Failed, detail, findings, ms);
    }

    private static void Judge<T>(T? restored, T? backup, string what, List<string> newer, List<string> older) where T : struct, IComparable<T>
    {
        var order = (restored, backup) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            var (r, b) => r!.Value.CompareTo(b!.Value),
        };
        if (order > 0)
        {
            newer.Add($"{what} {Show(restored)} after the backup's {Show(backup)}");
        }
        else if (order < 0)
        {
            older.Add($"{what} {Show(restored)} before the backup's {Show(backup)}");
        }
    }

    private static string Show<T>(T? value) where T : struct =>
        value is null ? "none" : value is DateTimeOffset at ? Format(at) : Convert.ToString(value.Value, CultureInfo.InvariantCulture) ?? "";

    private static string Event(DecisionGraphMarks m) => m.NewestLogSeq is { } s ? $"log_seq {s} of tenant {m.NewestEventTenant} recorded {m.NewestRecordedAt}" : "none";

    private static string Trace(DecisionGraphMarks m) => m.NewestTraceId is { } t ? $"{t} of tenant {m.NewestTraceTenant} at log_seq {m.NewestTraceLastLogSeq}" : "none";

    private static string Workflow(DecisionGraphMarks m) => m.NewestWorkflowId is { } w ? $"{w} at {m.NewestWorkflowActivity}" : "none";

    /// <summary>
    /// An RFC 3339 text as DecisionGraph writes it: a fraction of any length (sql.ex now_rfc3339/1 trims trailing
    /// zeros), "Z" or an offset. Two such texts must be compared as instants, never lexically ("...:00.5Z" is later
    /// than "...:00.45Z" and sorts before it... and "...:00Z" sorts after both).
    /// </summary>
    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return DateTimeOffset.TryParseExact(text.Trim(),
            ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : null;
    }

    /// <summary>DecisionGraph's format (sql.ex now_rfc3339/1): microseconds, trailing zeros trimmed, "Z".</summary>
    public static string Format(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        var micro = (int)(utc.Ticks % TimeSpan.TicksPerSecond / 10);
        var basePart = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return micro == 0 ? basePart + "Z" : basePart + "." + micro.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0') + "Z";
    }
}
