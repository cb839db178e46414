using Ledger.Api.Retention;
using Ledger.Contracts.Backups;

namespace Ledger.Tests.Retention;

public sealed class when_the_retention_policy_decides
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 4, 0, 0, TimeSpan.Zero);
    private static readonly RetentionOptions Policy = new(DailyDays: 7, PreUpgradeKeep: 2, GateHold: TimeSpan.FromDays(7), "30 3 * * *", true);

    private static RestorePoint Backup(string trigger, int daysAgo, BackupStatus status = BackupStatus.Verified, string db = "app") => new()
    {
        Id = Guid.NewGuid(), Environment = "prod", Database = db, Trigger = trigger, Status = status,
        Timestamp = Now.AddDays(-daysAgo), ArtifactPath = "/r/x.dump", SizeBytes = 100,
    };

    [Fact]
    public void the_newest_verified_backup_survives_however_old()
    {
        var ancient = Backup(BackupTriggers.Scheduled, 400);
        var plan = RetentionPolicy.Plan([ancient, Backup(BackupTriggers.Scheduled, 500)], new Dictionary<Guid, string>(), Policy, Now, dryRun: true);
        Assert.Equal(ancient.Id, Assert.Single(plan.Keep).BackupId);
        Assert.Single(plan.Delete);
    }

    [Fact]
    public void the_newest_verified_is_per_database_and_ignores_unverified_ones()
    {
        var unverified = Backup(BackupTriggers.Scheduled, 10, BackupStatus.VerificationFailed);
        var verified = Backup(BackupTriggers.Scheduled, 20);
        var other = Backup(BackupTriggers.Scheduled, 30, db: "audit");
        var plan = RetentionPolicy.Plan([unverified, verified, other], new Dictionary<Guid, string>(), Policy, Now, true);
        Assert.Equal(new[] { verified.Id, other.Id }.Order(), plan.Keep.Select(k => k.BackupId).Order());
        Assert.Equal(unverified.Id, Assert.Single(plan.Delete).BackupId);
    }

    [Fact]
    public void daily_backups_are_kept_n_days_and_pre_upgrade_backups_by_count()
    {
        var fresh = Backup(BackupTriggers.Manual, 6, BackupStatus.Taken);
        var stale = Backup(BackupTriggers.Manual, 8, BackupStatus.Taken);
        var pre = Enumerable.Range(1, 4).Select(d => Backup(BackupTriggers.PreUpgrade, 100 + d, BackupStatus.Taken)).ToList();
        var newestVerified = Backup(BackupTriggers.Scheduled, 1);

        var plan = RetentionPolicy.Plan([fresh, stale, newestVerified, .. pre], new Dictionary<Guid, string>(), Policy, Now, true);

        Assert.Contains(plan.Keep, k => k.BackupId == fresh.Id && k.Rule == "younger than 7 days");
        Assert.Contains(plan.Delete, d => d.BackupId == stale.Id && d.Rule == "daily: older than 7 days");
        Assert.Equal([pre[0].Id, pre[1].Id], plan.Keep.Where(k => k.Trigger == BackupTriggers.PreUpgrade).Select(k => k.BackupId));
        Assert.All(plan.Delete.Where(d => d.Trigger == BackupTriggers.PreUpgrade), d => Assert.StartsWith("pre-upgrade: beyond the last 2", d.Rule));
    }

    [Fact]
    public void a_held_backup_is_kept_with_the_hold_as_its_reason()
    {
        var held = Backup(BackupTriggers.PreUpgrade, 300, BackupStatus.Taken);
        var plan = RetentionPolicy.Plan([held, .. Enumerable.Range(0, 3).Select(i => Backup(BackupTriggers.PreUpgrade, i))],
            new Dictionary<Guid, string> { [held.Id] = "held by open gate g" }, Policy, Now, true);
        Assert.Contains(plan.Keep, k => k.BackupId == held.Id && k.Rule == "held by open gate g");
    }

    [Fact]
    public void backups_without_an_artifact_are_not_considered() =>
        Assert.Empty(RetentionPolicy.Plan(
            [Backup(BackupTriggers.Scheduled, 90, BackupStatus.Failed), Backup(BackupTriggers.Scheduled, 90, BackupStatus.Missed)],
            new Dictionary<Guid, string>(), Policy, Now, true).Delete);
}
