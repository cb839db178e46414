using System.Linq.Expressions;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Marten;

namespace Ledger.Api.Reports;

/// <summary>
/// Reads what <see cref="DrillCompliance.Compute"/> needs for a report window: the one query behind
/// <c>GET /api/v1/reports/drills</c> and the operator console (its overview and compliance page), so both show the same figures.
/// </summary>
public static class ComplianceInputsQuery
{
    /// <summary>The restore points' table and the columns Marten duplicates from them (Backups/Configuration.cs).</summary>
    private const string RestorePoints = "ledger.mt_doc_restorepoint";

    private const char Separator = '\u001f';

    /// <summary>
    /// The fields of a restore point the report reads (and the overview's missed count). A year of a hundred databases'
    /// daily backups is tens of thousands of restore points: without the row counts of every table the documents are
    /// several times smaller. A field DrillCompliance starts to read must be added here: the console's tests compare the
    /// report from these against the report from every restore point, whole.
    /// </summary>
    private static readonly Expression<Func<RestorePoint, RestorePoint>> ReportFields = x => new RestorePoint
    {
        Id = x.Id,
        Environment = x.Environment,
        Database = x.Database,
        Trigger = x.Trigger,
        Status = x.Status,
        RequestedAt = x.RequestedAt,
        Timestamp = x.Timestamp,
        ScheduledFor = x.ScheduledFor,
        Missed = x.Missed,
        ArtifactPath = x.ArtifactPath,
        FailureReason = x.FailureReason,
    };

    /// <summary>
    /// Every restore point from two days before the window on (a day's backup can be a few hours before the window's first
    /// full day; gates may point at slightly older backups), and of the verified restore points before that only the ones
    /// the report can use: the newest of each database (the report names it; it also proves the database was known before
    /// the window) and those a gate of the window points at. Older verified restore points change no figure of the report,
    /// and a ledger of many years holds hundreds of thousands of them.
    /// </summary>
    public static async Task<ComplianceInputs> LoadAsync(IQuerySession session, DateTimeOffset from, CancellationToken ct)
    {
        var backupsFrom = from.AddDays(-2);
        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        // (timestamp, id) is indexed: a range scan in the index's order.
        var inWindow = await session.Query<RestorePoint>().Where(x => x.Timestamp >= backupsFrom)
            .OrderBy(x => x.Timestamp).ThenBy(x => x.Id)
            .Select(ReportFields)
            .ToListAsync(ct);
        var drills = await session.Query<DrillView>().Where(x => x.StartedAt >= from).ToListAsync(ct);
        var gates = await session.Query<GateView>().Where(x => x.RequestedAt >= backupsFrom).ToListAsync(ct);

        var backups = inWindow.ToList();
        var known = backups.Select(b => b.Id).ToHashSet();
        var databases = await DatabasesAsync(session, ct);
        if (databases.Count > 0)
        {
            // One round trip; each lookup reads the (environment, database, timestamp, id) index backwards from the window.
            var batch = session.CreateBatchQuery();
            var newest = databases.Select(d => batch.Query<RestorePoint>()
                .Where(x => x.Environment == d.Environment && x.Database == d.Database && x.Status == BackupStatus.Verified
                            && x.Timestamp < backupsFrom)
                .OrderByDescending(x => x.Timestamp).ThenByDescending(x => x.Id)
                .FirstOrDefault()).ToList();
            await batch.Execute(ct);
            foreach (var lookup in newest)
            {
                if (await lookup is { } point && known.Add(point.Id))
                {
                    backups.Add(point);
                }
            }
        }

        await AddGateBackupsAsync(session, gates, backups, known, ct);
        return new ComplianceInputs(agents, backups, drills, gates);
    }

    /// <summary>
    /// The same inputs for some databases only (a page of the console's overview): each database's restore points of the
    /// window (one index range scan per database, batched), its newest verified one before the window and those its gates
    /// point at, with every agent, and the drills and gates of the window. <see cref="DrillCompliance.Compute"/> reads a
    /// database's line from its own history alone, so the lines of these databases are the lines of the whole report.
    /// </summary>
    public static async Task<ComplianceInputs> LoadForAsync(IQuerySession session, DateTimeOffset from,
        IReadOnlyCollection<(string Environment, string Database)> databases, CancellationToken ct)
    {
        var backupsFrom = from.AddDays(-2);
        var wanted = databases.ToHashSet();
        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        var drills = (await session.Query<DrillView>().Where(x => x.StartedAt >= from).ToListAsync(ct))
            .Where(d => wanted.Contains((d.Environment, d.Database))).ToList();
        var gates = (await session.Query<GateView>().Where(x => x.RequestedAt >= backupsFrom).ToListAsync(ct))
            .Where(g => wanted.Contains((g.Environment, g.Database))).ToList();

        var backups = new List<RestorePoint>();
        var known = new HashSet<Guid>();
        if (wanted.Count > 0)
        {
            var batch = session.CreateBatchQuery();
            var lookups = wanted.Select(d => (
                InWindow: batch.Query<RestorePoint>()
                    .Where(x => x.Environment == d.Environment && x.Database == d.Database && x.Timestamp >= backupsFrom)
                    .OrderBy(x => x.Timestamp).ThenBy(x => x.Id)
                    .Select(ReportFields)
                    .ToList(),
                Newest: batch.Query<RestorePoint>()
                    .Where(x => x.Environment == d.Environment && x.Database == d.Database && x.Status == BackupStatus.Verified
                                && x.Timestamp < backupsFrom)
                    .OrderByDescending(x => x.Timestamp).ThenByDescending(x => x.Id)
                    .FirstOrDefault())).ToList();
            await batch.Execute(ct);
            foreach (var (inWindow, newest) in lookups)
            {
                backups.AddRange((await inWindow).Where(b => known.Add(b.Id)));
                if (await newest is { } point && known.Add(point.Id))
                {
                    backups.Add(point);
                }
            }
        }

        await AddGateBackupsAsync(session, gates, backups, known, ct);
        return new ComplianceInputs(agents, backups, drills, gates);
    }

    private static async Task AddGateBackupsAsync(IQuerySession session, IReadOnlyList<GateView> gates, List<RestorePoint> backups,
        HashSet<Guid> known, CancellationToken ct)
    {
        var gateBackups = gates.Where(g => g.BackupId is { } id && !known.Contains(id)).Select(g => g.BackupId!.Value).Distinct().ToList();
        if (gateBackups.Count > 0)
        {
            var loaded = await session.LoadManyAsync<RestorePoint>(ct, gateBackups);
            backups.AddRange(loaded.Where(b => b.Status == BackupStatus.Verified && known.Add(b.Id)));
        }
    }

    /// <summary>
    /// Every (environment, database) that has a restore point, by a loose scan of the (environment, database, ...) index:
    /// one probe per database rather than a read of every restore point.
    /// </summary>
    public static async Task<IReadOnlyList<(string Environment, string Database)>> DatabasesAsync(IQuerySession session, CancellationToken ct)
    {
        const string sql = $"""
            with recursive pairs(environment, database) as (
                (select environment, database from {RestorePoints} order by environment, database limit 1)
                union all
                select next.environment, next.database from pairs,
                    lateral (select r.environment, r.database from {RestorePoints} r
                             where (r.environment, r.database) > (pairs.environment, pairs.database)
                             order by r.environment, r.database limit 1) next
            )
            select environment || chr(31) || database from pairs
            """;
        var rows = await session.QueryAsync<string>(sql, ct);
        return [.. rows.Select(r => r.Split(Separator, 2)).Where(p => p.Length == 2).Select(p => (p[0], p[1]))];
    }
}
