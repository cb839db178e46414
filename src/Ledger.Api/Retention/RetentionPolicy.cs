using Ledger.Contracts.Backups;
using Ledger.Contracts.Retention;

namespace Ledger.Api.Retention;

/// <summary>Section <c>Retention</c>.</summary>
public sealed record RetentionOptions(int DailyDays, int PreUpgradeKeep, TimeSpan GateHold, string Schedule, bool Enabled)
{
    public static RetentionOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Retention");
        return new RetentionOptions(
            section.GetValue("DailyDays", 14),
            section.GetValue("PreUpgradeKeep", 5),
            section.GetValue("GateHold", TimeSpan.FromDays(7)),
            section.GetValue("Schedule", "30 3 * * *")!,
            section.GetValue("Enabled", true));
    }
}

/// <summary>
/// Which artifacts may go (pure). In order, a backup is kept when it is: the newest verified backup of its database;
/// held by an open or pending gate (or any other hold); one of the last M pre-upgrade backups of its database; a
/// scheduled or manual backup younger than N days. Everything else with an artifact is deleted, with the rule named.
/// </summary>
public static class RetentionPolicy
{
    public static readonly IReadOnlyList<BackupStatus> WithArtifact =
        [BackupStatus.Taken, BackupStatus.Verified, BackupStatus.VerificationFailed];

    public static PrunePlan Plan(IReadOnlyList<RestorePoint> backups, IReadOnlyDictionary<Guid, string> holds,
        RetentionOptions options, DateTimeOffset now, bool dryRun)
    {
        var candidates = backups.Where(b => WithArtifact.Contains(b.Status) && b.ArtifactPath is not null).ToList();
        var newestVerified = candidates.Where(b => b.Status == BackupStatus.Verified)
            .GroupBy(b => (b.Environment, b.Database))
            .Select(g => g.OrderByDescending(b => b.Timestamp).ThenByDescending(b => b.Id).First().Id)
            .ToHashSet();
        var lastPreUpgrade = candidates.Where(b => b.Trigger == BackupTriggers.PreUpgrade)
            .GroupBy(b => (b.Environment, b.Database))
            .SelectMany(g => g.OrderByDescending(b => b.Timestamp).ThenByDescending(b => b.Id).Take(options.PreUpgradeKeep))
            .Select(b => b.Id)
            .ToHashSet();

        var delete = new List<PruneDecision>();
        var keep = new List<PruneDecision>();
        foreach (var b in candidates.OrderBy(b => b.Environment).ThenBy(b => b.Database).ThenByDescending(b => b.Timestamp))
        {
            string? keepBecause =
                newestVerified.Contains(b.Id) ? $"newest verified backup of {b.Environment}/{b.Database}"
                : holds.TryGetValue(b.Id, out var hold) ? hold
                : b.Trigger == BackupTriggers.PreUpgrade
                    ? (lastPreUpgrade.Contains(b.Id) ? $"one of the last {options.PreUpgradeKeep} pre-upgrade backups" : null)
                    : now - b.Timestamp <= TimeSpan.FromDays(options.DailyDays) ? $"younger than {options.DailyDays} days" : null;

            if (keepBecause is not null)
            {
                keep.Add(Decision(b, delete: false, keepBecause));
            }
            else
            {
                delete.Add(Decision(b, delete: true, b.Trigger == BackupTriggers.PreUpgrade
                    ? $"pre-upgrade: beyond the last {options.PreUpgradeKeep} of {b.Environment}/{b.Database}"
                    : $"daily: older than {options.DailyDays} days"));
            }
        }

        return new PrunePlan(dryRun, now, delete, keep);
    }

    private static PruneDecision Decision(RestorePoint b, bool delete, string rule) =>
        new(b.Id, b.Environment, b.Database, b.Trigger, b.Status, b.Timestamp, b.SizeBytes, delete, rule);
}
