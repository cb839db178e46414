using Ledger.Contracts.Backups;
using Ledger.Contracts.Restores;

namespace Ledger.Agent.Restores;

/// <summary>What a target holds now, for a plan: every table's exact row count and the event log's head.</summary>
public sealed record TargetContents(IReadOnlyList<TableRowCount> Tables, long? EventLogHead);

/// <summary>
/// What restoring a backup over a target would lose, from row counts (pure): rows the target has beyond the backup,
/// table by table, and events appended to dg_event_log since the backup (the log is append-only, so the difference in
/// its rows is exactly that, when the target descends from the backup's source). Rows changed in place do not show in
/// counts; the summary says so.
/// </summary>
public static class DataLoss
{
    public const int MaxTables = 50;

    public static RestoreDataLoss Estimate(IReadOnlyList<TableRowCount> backup, TargetContents? target)
    {
        if (target is null)
        {
            return new RestoreDataLoss("The target does not exist: it would be created, and nothing would be lost.", 0, null, [], 0);
        }

        var inBackup = backup.ToDictionary(t => (t.Schema, t.Table), t => t.Rows);
        var inTarget = target.Tables.ToDictionary(t => (t.Schema, t.Table), t => t.Rows);
        var changes = new List<TableChange>();
        var unchanged = 0;
        foreach (var key in inBackup.Keys.Union(inTarget.Keys).OrderBy(k => k.Schema, StringComparer.Ordinal).ThenBy(k => k.Table, StringComparer.Ordinal))
        {
            var (was, now) = (inBackup.TryGetValue(key, out var b) ? b : (long?)null, inTarget.TryGetValue(key, out var t) ? t : (long?)null);
            var change = (was, now) switch
            {
                (null, not null) => "only in target",
                (not null, null) => "only in backup",
                _ when now > was => "more rows now",
                _ when now < was => "fewer rows now",
                _ => null,
            };
            if (change is null)
            {
                unchanged++;
            }
            else
            {
                changes.Add(new TableChange(key.Schema, key.Table, was, now, change));
            }
        }

        var atRisk = changes.Where(c => c.Change == "more rows now").Sum(c => c.TargetRows!.Value - c.BackupRows!.Value);
        long? events = inBackup.TryGetValue(("public", "dg_event_log"), out var logThen) && inTarget.TryGetValue(("public", "dg_event_log"), out var logNow)
            ? Math.Max(0, logNow - logThen)
            : null;
        var onlyInTarget = changes.Count(c => c.Change == "only in target");

        var summary = atRisk == 0
            ? "No table has more rows now than in the backup: nothing written since is visible in row counts (rows changed in place would still be lost)."
            : $"At least {atRisk} row(s) in {changes.Count(c => c.Change == "more rows now")} table(s) would be lost"
              + (events is > 0 ? $", including {events} event(s) appended to dg_event_log since the backup" : "")
              + " (row counts only: rows changed in place are not counted).";
        if (onlyInTarget > 0)
        {
            summary += $" {onlyInTarget} table(s) not in the backup would be left as they are (pg_restore --clean replaces only what the backup holds).";
        }

        return new RestoreDataLoss(summary, atRisk, events, changes.Take(MaxTables).ToList(), unchanged);
    }
}
