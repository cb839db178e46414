using JasperFx.Events;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Ledger.Contracts.Restores;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql.Tables;

namespace Ledger.Api.Metrics;

/// <summary>
/// The counters behind <c>/metrics</c>: one row per (metric, environment, database, trigger, outcome), incremented
/// inline, in the transaction that appends the outcome event, so a scrape reads a few rows instead of counting a
/// million events. Counters never go down (an expired backup still counts as verified), which is what Prometheus
/// counters must do. They count from the moment this projection first ran: older history is not backfilled.
/// </summary>
public sealed class OutcomeCounters : IProjection
{
    public const string Table = "dgl_metric_counters";

    // Metric keys (the `metric` column), each exposed as dgledger_<key>_total.
    public const string Backups = "backups";
    public const string BackupsMissed = "backups_missed";
    public const string Restores = "restores";
    public const string Drills = "drills";
    public const string GateDecisions = "gate_decisions";

    public static Table Schema(string schema)
    {
        var table = new Table($"{schema}.{Table}");
        table.AddColumn<string>("metric").AsPrimaryKey();
        table.AddColumn<string>("environment").AsPrimaryKey();
        table.AddColumn<string>("database").AsPrimaryKey();
        table.AddColumn<string>("trigger").AsPrimaryKey();
        table.AddColumn<string>("outcome").AsPrimaryKey();
        table.AddColumn<long>("value").NotNull();
        return table;
    }

    /// <summary>One increment: which counter and by how much.</summary>
    public sealed record Key(string Metric, string Environment, string Database, string Trigger, string Outcome);

    private readonly string _schema;

    public OutcomeCounters(string schema) => _schema = schema;

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var labels = new Dictionary<Guid, Labels>();
        var increments = new Dictionary<Key, long>();
        foreach (var e in events)
        {
            var key = await KeyOfAsync(e, labels, operations, cancellation);
            if (key is not null)
            {
                increments[key] = increments.GetValueOrDefault(key) + 1;
            }
        }

        foreach (var (key, by) in increments)
        {
            operations.QueueSqlCommand(
                $"insert into {_schema}.{Table} (metric, environment, database, trigger, outcome, value) values (?, ?, ?, ?, ?, ?) "
                + $"on conflict (metric, environment, database, trigger, outcome) do update set value = {_schema}.{Table}.value + excluded.value",
                key.Metric, key.Environment, key.Database, key.Trigger, key.Outcome, by);
        }
    }

    /// <summary>What a stream's later events are counted under (from its first event, or its read model).</summary>
    private sealed record Labels(string Environment, string Database, string Trigger, bool Skip = false);

    private static async Task<Key?> KeyOfAsync(IEvent e, Dictionary<Guid, Labels> labels, IDocumentOperations ops, CancellationToken ct)
    {
        switch (e.Data)
        {
            case BackupRequested r:
                labels[r.BackupId] = new Labels(r.Environment, r.Database, r.Trigger);
                return null;
            case BackupTaken t:
                labels[t.BackupId] = new Labels(t.Environment, t.Database, t.Trigger);
                return null;
            case BackupMissed m:
                return new Key(BackupsMissed, m.Environment, m.Database, BackupTriggers.Scheduled, "missed");
            case BackupVerified v:
                return await BackupKeyAsync(v.BackupId, "verified");
            case BackupFailed f:
                return await BackupKeyAsync(f.BackupId, "failed");
            case BackupVerificationFailed f:
                return await BackupKeyAsync(f.BackupId, "verification_failed");

            case RestoreRequested r:
                labels[r.RestoreId] = new Labels(r.Target.Environment, r.SourceDatabase, "", Skip: r.Plan);
                return null;
            case RestoreRefused r:
                return await RestoreKeyAsync(r.RestoreId, "refused");
            case RestoreFailed f:
                return await RestoreKeyAsync(f.RestoreId, "failed");
            case VerificationPassed p:
                return await RestoreKeyAsync(p.RestoreId, "verified");
            case VerificationFailed f:
                return await RestoreKeyAsync(f.RestoreId, "verification_failed");

            case DrillStarted d:
                labels[d.DrillId] = new Labels(d.Environment, d.Database, "");
                return null;
            case DrillCompleted c:
                return await DrillKeyAsync(c.DrillId, c.Passed ? "passed" : "verification_failed");
            case DrillFailed f:
                return await DrillKeyAsync(f.DrillId, "failed");

            case GateRequested g:
                labels[g.GateId] = new Labels(g.Environment, g.Database, "");
                return null;
            case GateOpened o:
                return await GateKeyAsync(o.GateId, "open");
            case GateDenied d:
                return await GateKeyAsync(d.GateId, "denied");
            case GateExpired x:
                return await GateKeyAsync(x.GateId, "expired");
            default:
                return null;
        }

        async Task<Key?> BackupKeyAsync(Guid id, string outcome)
        {
            var l = labels.GetValueOrDefault(id);
            if (l is null && await ops.LoadAsync<RestorePoint>(id, ct) is { } rp)
            {
                l = labels[id] = new Labels(rp.Environment, rp.Database, rp.Trigger);
            }

            return l is null ? null : new Key(Backups, l.Environment, l.Database, l.Trigger, outcome);
        }

        async Task<Key?> RestoreKeyAsync(Guid id, string outcome)
        {
            var l = labels.GetValueOrDefault(id);
            if (l is null && await ops.LoadAsync<RestoreView>(id, ct) is { } view)
            {
                l = labels[id] = new Labels(view.Environment, view.SourceDatabase, "", Skip: view.Plan);
            }

            return l is null || l.Skip ? null : new Key(Restores, l.Environment, l.Database, "", outcome);
        }

        async Task<Key?> DrillKeyAsync(Guid id, string outcome)
        {
            var l = labels.GetValueOrDefault(id);
            if (l is null && await ops.LoadAsync<DrillView>(id, ct) is { } view)
            {
                l = labels[id] = new Labels(view.Environment, view.Database, "");
            }

            return l is null ? null : new Key(Drills, l.Environment, l.Database, "", outcome);
        }

        async Task<Key?> GateKeyAsync(Guid id, string outcome)
        {
            var l = labels.GetValueOrDefault(id);
            if (l is null && await ops.LoadAsync<GateView>(id, ct) is { } view)
            {
                l = labels[id] = new Labels(view.Environment, view.Database, "");
            }

            return l is null ? null : new Key(GateDecisions, l.Environment, l.Database, "", outcome);
        }
    }
}
