using Ledger.Contracts.Common;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Gates;
using Marten;

namespace Ledger.Api.Gates;

/// <summary>"Is there a fresh, verified pre-upgrade backup?" answered from the restore points, without side effects.</summary>
public static class FreshBackups
{
    public static async Task<FreshBackupAnswer> FindAsync(IQuerySession session, string environment, string database,
        string? release, TimeSpan maxAge, DateTimeOffset now, CancellationToken ct)
    {
        var newest = await Query(session, environment, database, release, now - maxAge).FirstOrDefaultAsync(ct);
        if (newest is null)
        {
            var at = release is null ? "" : $" at release {release}";
            return new FreshBackupAnswer(false,
                $"No verified pre-upgrade backup of {environment}/{database}{at} younger than {DurationText.Span(maxAge)}.", null);
        }

        var evidence = EvidenceOf(newest, now);
        return new FreshBackupAnswer(true,
            $"Pre-upgrade backup {newest.Id} of release {newest.Release} is verified and {DurationText.Age(TimeSpan.FromSeconds(evidence.AgeSeconds!.Value))} old.",
            evidence);
    }

    /// <summary>
    /// Verified pre-upgrade restore points of one database since <paramref name="oldest"/>, newest first: one probe of the
    /// composite index (environment, database, trigger, status, timestamp) in Backups/Configuration.cs.
    /// </summary>
    public static IQueryable<RestorePoint> Query(IQuerySession session, string environment, string database, string? release,
        DateTimeOffset oldest)
    {
        var query = session.Query<RestorePoint>().Where(x =>
            x.Environment == environment && x.Database == database && x.Trigger == BackupTriggers.PreUpgrade
            && x.Status == BackupStatus.Verified && x.Timestamp >= oldest);
        if (release is not null)
        {
            query = query.Where(x => x.Release == release);
        }

        return query.OrderByDescending(x => x.Timestamp);
    }

    public static GateEvidence EvidenceOf(RestorePoint backup, DateTimeOffset now) =>
        new(backup.Id, backup.Status, backup.Release, backup.Timestamp,
            (long)Math.Max(0, (now - backup.Timestamp).TotalSeconds), backup.VerifiedAt);

    /// <summary>True when an agent serving the environment has sent a heartbeat within the timeout.</summary>
    public static async Task<bool> AgentAliveAsync(IQuerySession session, string environment, TimeSpan timeout,
        DateTimeOffset now, CancellationToken ct)
    {
        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        return Agents.AgentLiveness.Of(agents, environment, timeout, now).Alive;
    }
}
