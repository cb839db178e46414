using Ledger.Contracts.Common;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Gates;
using Ledger.Api.Restores;
using Ledger.Contracts.Restores;
using Ledger.Contracts.Retention;
using Marten;
using Wolverine;
using Wolverine.Marten;

namespace Ledger.Api.Retention;

/// <summary>Runs the retention policy now; a dry run only answers.</summary>
public sealed record RunPrune(bool DryRun, DateTimeOffset Now, string? Environment = null, RetentionOptions? Policy = null);

public static class PruneHandler
{
    /// <summary>
    /// Backups that must stay whatever their age: those a pending or recently opened gate relies on, and those a
    /// restore (or a drill's restore) is reading or about to read.
    /// </summary>
    public static async Task<Dictionary<Guid, string>> HoldsAsync(IQuerySession session, RetentionOptions options,
        DateTimeOffset now, CancellationToken ct)
    {
        var since = now - options.GateHold;
        var gates = await session.Query<GateView>()
            .Where(g => g.Status == GateStatus.Pending || (g.Status == GateStatus.Open && g.DecidedAt >= since))
            .ToListAsync(ct);
        var holds = gates.Where(g => g.BackupId is not null)
            .GroupBy(g => g.BackupId!.Value)
            .ToDictionary(g => g.Key, g => $"held by {g.First().Status.ToWire()} gate {g.First().Id} ({g.First().Environment}/{g.First().Database} -> {g.First().TargetRelease})");

        var restores = await session.Query<RestoreView>().Where(RestoreRules.Unfinished).ToListAsync(ct);
        foreach (var restore in restores.Where(r => RestoreRules.Holds(r, now)).OrderBy(r => r.RequestedAt))
        {
            holds.TryAdd(restore.BackupId,
                $"held by {restore.Status.ToWire()} {(restore.DrillId is null ? "restore" : "drill restore")} {restore.Id} into {restore.Environment}/{restore.TargetDatabase}");
        }

        return holds;
    }

    public static async Task<(PrunePlan, OutgoingMessages)> Handle(RunPrune command, IQuerySession session,
        RetentionOptions options, CancellationToken ct)
    {
        var policy = command.Policy ?? options;
        var query = session.Query<RestorePoint>()
            .Where(b => b.Status == BackupStatus.Taken || b.Status == BackupStatus.Verified || b.Status == BackupStatus.VerificationFailed);
        if (command.Environment is { } environment)
        {
            query = query.Where(b => b.Environment == environment);
        }

        var backups = await query.ToListAsync(ct);
        var plan = RetentionPolicy.Plan(backups.ToList(), await HoldsAsync(session, policy, command.Now, ct), policy, command.Now, command.DryRun);

        var outgoing = new OutgoingMessages();
        if (!command.DryRun)
        {
            var byId = backups.ToDictionary(b => b.Id);
            foreach (var d in plan.Delete)
            {
                var b = byId[d.BackupId];
                var copies = b.Copies.Where(c => c.Status == CopyStatus.Copied)
                    .Select(c => new ArtifactCopy(c.Repository, c.Key!, c.SizeBytes!.Value, c.Sha256!)).ToList();
                outgoing.ToDestination(new ExpireBackup(d.BackupId, d.Environment, d.Database, b.ArtifactPath!, d.Rule, b.Repository, b.Key, copies),
                    Queues.UriFor(d.Environment));
            }
        }

        return (plan, outgoing);
    }

    /// <summary>The agent's refusal: a restore on it was reading the artifact. Recorded in the backup's history; it stays.</summary>
    [AggregateHandler]
    public static IEnumerable<object> Handle(BackupExpiryRefused report, Backups.Backup backup)
    {
        if (backup.Status != BackupStatus.Expired)
        {
            yield return report;
        }
    }

    /// <summary>The agent's report: the artifact is gone. Appended once; the restore point shows it expired.</summary>
    [AggregateHandler]
    public static IEnumerable<object> Handle(BackupExpired report, Backups.Backup backup)
    {
        if (backup.Status != BackupStatus.Expired)
        {
            yield return report;
        }
    }
}
