using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Marten;
using Wolverine;

namespace Ledger.Api.Agents;

/// <summary>Look for operations whose agent has gone silent past the lease (sent by <see cref="LeaseWatchService"/>).</summary>
public sealed record CheckLeases(DateTimeOffset Now);

/// <summary>
/// Ends every unfinished backup, restore, plan and drill drop whose agent has gone silent past the operation lease,
/// with the failure report the agent would have sent, its reason starting with "abandoned:". The reports go through
/// the same state-guarded handlers as the agents' own, so a report that arrives later (a restarted agent's
/// "interrupted") appends nothing, a second ledger node changes nothing, and whoever waits is told as usual (the
/// gate that asked for a backup denies, the drill whose restore it was fails).
/// </summary>
public static class CheckLeasesHandler
{
    public static async Task<int> Handle(CheckLeases check, IQuerySession session, OperationLease lease, IMessageBus bus,
        ILogger<CheckLeases> log, CancellationToken ct)
    {
        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        var abandoned = new List<object>();

        foreach (var backup in await session.Query<RestorePoint>()
                     .Where(p => p.Status == BackupStatus.Requested || p.Status == BackupStatus.Running || p.Status == BackupStatus.Taken).ToListAsync(ct))
        {
            if (lease.Abandoned(backup.AgentId, backup.Environment, backup.RequestedAt, agents, check.Now) is { } reason)
            {
                abandoned.Add(backup.Status == BackupStatus.Taken
                    ? new BackupVerificationFailed(backup.Id, OperationLease.Reporter, reason, check.Now)
                    : new BackupFailed(backup.Id, OperationLease.Reporter, reason, null, check.Now));
            }
        }

        foreach (var restore in await session.Query<RestoreView>()
                     .Where(r => r.Status == RestoreStatus.Requested || r.Status == RestoreStatus.Running || r.Status == RestoreStatus.WritesBlocked
                                 || r.Status == RestoreStatus.Verifying).ToListAsync(ct))
        {
            // A request no agent has taken yet is run by an agent up to RestoreTimings.MaxQueueAge late: only then is it over.
            var queueAge = restore.Status == RestoreStatus.Requested ? RestoreTimings.MaxQueueAge : (TimeSpan?)null;
            if (lease.Abandoned(restore.AgentId, restore.Environment, restore.RequestedAt, agents, check.Now, queueAge) is not { } reason)
            {
                continue;
            }

            var elapsed = (long)Math.Max(0, (check.Now - (restore.StartedAt ?? restore.RequestedAt)).TotalMilliseconds);
            abandoned.Add(restore.Status == RestoreStatus.Verifying
                ? new VerificationFailed(restore.Id, OperationLease.Reporter, [], reason, elapsed, check.Now)
                : new RestoreFailed(restore.Id, OperationLease.Reporter, restore.Plan ? RestoreStages.Plan : RestoreStages.Abandoned, reason, null,
                    TargetTouched: restore.Status is RestoreStatus.WritesBlocked, elapsed, check.Now));
        }

        foreach (var drill in await session.Query<DrillView>().Where(d => d.TargetOutcome == DrillTargetOutcome.Dropping).ToListAsync(ct))
        {
            var since = drill.FinishedAt ?? drill.StartedAt;
            if (lease.Abandoned(null, drill.Environment, since, agents, check.Now) is { } reason)
            {
                abandoned.Add(new DrillTargetDropFailed(drill.Id, OperationLease.Reporter, drill.Environment, drill.TargetDatabase,
                    reason + $"; {drill.TargetDatabase} may still exist", check.Now));
            }
        }

        foreach (var report in abandoned)
        {
            log.LogWarning("Lease: {Report}", report.GetType().Name);
            await bus.InvokeAsync(report, ct);
        }

        return abandoned.Count;
    }
}
