using Ledger.Api.Reports;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;

namespace Ledger.Tests.Reports;

public sealed class when_the_drill_compliance_report_is_computed
{
    private static readonly DateTimeOffset Now = new(2026, 6, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Since = Now.AddDays(-10);
    private static readonly DrillPolicy Policy = new(CadenceDays: 30, RtoTargetSeconds: 3600, MinPassRate: 1.0);

    private static RestorePoint Backup(string env, int daysAgo, string trigger = BackupTriggers.Scheduled, BackupStatus status = BackupStatus.Verified)
    {
        var at = new DateTimeOffset(Now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-daysAgo).AddHours(2);
        return new RestorePoint
        {
            Id = Guid.NewGuid(), Environment = env, Database = "app", Trigger = trigger, Status = status,
            RequestedAt = at, Timestamp = at.AddMinutes(1), ArtifactPath = "/x.dump",
        };
    }

    private static DrillView Drill(string env, int daysAgo, DrillStatus status = DrillStatus.Passed, long rtoMs = 600_000, params string[] steps) => new()
    {
        Id = Guid.NewGuid(), Environment = env, Database = "app", TargetDatabase = "app_drill", Status = status,
        StartedAt = Now.AddDays(-daysAgo), RtoMs = rtoMs, ManualSteps = ManualSteps.Recorded(steps),
    };

    private static AgentStatus Agent(params string[] environments) => new()
    {
        Id = "a1", Databases = [.. environments.Select(e => new ManagedDatabase(e, "app", DatabaseRoles.NonPrimary))],
        Environments = environments, FirstSeen = Now.AddDays(-100), LastHeartbeat = Now,
    };

    private static List<RestorePoint> Daily(string env, int days) => [.. Enumerable.Range(0, days).Select(d => Backup(env, d))];

    private static DatabaseCompliance Only(DrillComplianceReport report, string env) => Assert.Single(report.Lines, l => l.Environment == env);

    private static ControlResult Control(DatabaseCompliance line, string name) => Assert.Single(line.Controls, c => c.Control == name);

    [Fact]
    public void a_database_drilled_recently_with_daily_backups_passes_every_control_and_cites_its_evidence()
    {
        var drills = new[] { Drill("ok", 3, rtoMs: 500_000), Drill("ok", 20, DrillStatus.Passed, 700_000, "open the firewall") };
        var backups = Daily("ok", 12);
        var report = DrillCompliance.Compute(new ComplianceInputs([Agent("ok")], backups, drills, []), Policy, Since, Now);

        var line = Only(report, "ok");
        Assert.True(report.Compliant);
        Assert.True(line.Compliant);
        Assert.Equal((1, 3, false), (line.DrillsRun, line.DaysSinceLastDrill!.Value, line.DrillOverdue)); // the 20-day-old drill is outside the window
        Assert.Equal(500, line.MedianRtoSeconds);
        Assert.Equal(0, line.ManualSteps);
        Assert.Empty(line.DaysWithoutBackup);
        Assert.Equal(backups[0].Id, line.NewestVerifiedBackupId);
        Assert.Contains(drills[0].Id, Control(line, ComplianceControls.DrillCadence).Evidence);
        Assert.Contains(backups[1].Id, Control(line, ComplianceControls.DailyBackup).Evidence);
    }

    [Fact]
    public void a_database_without_a_drill_in_its_cadence_is_overdue_and_the_report_fails()
    {
        var policy = Policy with { CadenceDays = 7 };
        var old = Drill("late", 9);
        var report = DrillCompliance.Compute(new ComplianceInputs([Agent("late")], Daily("late", 12), [old], []), policy, Since, Now);

        var line = Only(report, "late");
        Assert.False(report.Compliant);
        Assert.True(line.DrillOverdue);
        Assert.Equal(9, line.DaysSinceLastDrill);
        var cadence = Control(line, ComplianceControls.DrillCadence);
        Assert.False(cadence.Passed);
        Assert.Equal([old.Id], cadence.Evidence);
    }

    [Fact]
    public void a_database_never_drilled_is_overdue_even_with_perfect_backups()
    {
        var report = DrillCompliance.Compute(new ComplianceInputs([Agent("never")], Daily("never", 12), [], []), Policy, Since, Now);
        var line = Only(report, "never");
        Assert.True(line.DrillOverdue);
        Assert.Null(line.DaysSinceLastDrill);
        Assert.Equal([ComplianceControls.DrillCadence], line.Controls.Where(c => !c.Passed).Select(c => c.Control));
    }

    [Fact]
    public void a_failed_drill_lowers_the_pass_rate_below_the_minimum_and_a_slow_one_breaks_the_rto_target()
    {
        var slow = Drill("rto", 2, DrillStatus.Passed, 4_000_000, "restart the app by hand", "reset sequences");
        var failed = Drill("rto", 4, DrillStatus.VerificationFailed, 100_000);
        var report = DrillCompliance.Compute(new ComplianceInputs([], Daily("rto", 12), [slow, failed], []), Policy, Since, Now);

        var line = Only(report, "rto");
        Assert.Equal(0.5, line.PassRate);
        Assert.False(Control(line, ComplianceControls.PassRate).Passed);
        Assert.Equal(4000, line.WorstRtoSeconds);
        Assert.Equal(2050, line.MedianRtoSeconds);
        var rto = Control(line, ComplianceControls.Rto);
        Assert.False(rto.Passed);
        Assert.Equal([slow.Id], rto.Evidence);
        Assert.Equal(2, line.ManualSteps);
    }

    [Fact]
    public void days_without_a_successful_scheduled_or_manual_backup_are_listed_with_the_failed_backups_that_prove_them()
    {
        var backups = Daily("gaps", 12);
        backups.RemoveAll(b => b.Timestamp.Date == Now.UtcDateTime.Date.AddDays(-4));
        var failedThatDay = Backup("gaps", 4, status: BackupStatus.Failed) with { ArtifactPath = null, FailureReason = "disk full" };
        var preUpgradeOnly = Backup("gaps", 6, BackupTriggers.PreUpgrade);
        backups.RemoveAll(b => b.Timestamp.Date == Now.UtcDateTime.Date.AddDays(-6));
        backups.AddRange([failedThatDay, preUpgradeOnly]);

        var report = DrillCompliance.Compute(new ComplianceInputs([], backups, [Drill("gaps", 1)], []), Policy, Since, Now);

        var line = Only(report, "gaps");
        Assert.Equal([DateOnly.FromDateTime(Now.UtcDateTime.AddDays(-6)), DateOnly.FromDateTime(Now.UtcDateTime.AddDays(-4))], line.DaysWithoutBackup);
        var daily = Control(line, ComplianceControls.DailyBackup);
        Assert.False(daily.Passed);
        Assert.Equal([failedThatDay.Id], daily.Evidence);
    }

    [Fact]
    public void days_before_a_database_was_first_known_are_not_counted_as_missing()
    {
        var backups = Daily("new", 3); // first known two days ago and a half
        var report = DrillCompliance.Compute(new ComplianceInputs([], backups, [Drill("new", 1)], []), Policy, Since, Now);
        Assert.Empty(Only(report, "new").DaysWithoutBackup);
    }

    [Fact]
    public void an_upgrade_whose_gate_opened_on_a_backup_that_is_not_pre_upgrade_fails_the_pre_upgrade_control()
    {
        var backups = Daily("up", 12);
        var pre = Backup("up", 2, BackupTriggers.PreUpgrade);
        backups.Add(pre);
        GateView Gate(Guid? backupId) => new()
        {
            Id = Guid.NewGuid(), Environment = "up", Database = "app", Status = GateStatus.Open, BackupId = backupId,
            RequestedAt = Now.AddDays(-2), DecidedAt = Now.AddDays(-2),
        };
        var good = Gate(pre.Id);
        var bad = Gate(backups[0].Id);
        var denied = Gate(null) with { Status = GateStatus.Denied };

        var report = DrillCompliance.Compute(new ComplianceInputs([], backups, [Drill("up", 1)], [good, bad, denied]), Policy, Since, Now);

        var line = Only(report, "up");
        Assert.Equal(2, line.UpgradesOpened);
        Assert.Equal([bad.Id], line.UpgradesWithoutPreUpgradeBackup);
        Assert.False(Control(line, ComplianceControls.PreUpgradeBackup).Passed);
    }

    [Fact]
    public void a_filter_on_environment_keeps_only_its_lines()
    {
        var report = DrillCompliance.Compute(new ComplianceInputs([Agent("a", "b")], [], [], []), Policy, Since, Now, "b");
        Assert.Equal(["b"], report.Lines.Select(l => l.Environment));
    }

    [Theory]
    [InlineData("365d", 365)]
    [InlineData("7d", 7)]
    [InlineData(null, 365)]
    public void since_accepts_days_back(string? since, int days) =>
        Assert.Equal(Now.AddDays(-days), DrillReportEndpoint.ParseSince(since, Now));

    [Theory]
    [InlineData("soon")]
    [InlineData("0d")]
    [InlineData("2099-01-01")]
    public void since_refuses_what_is_not_a_past_window(string since) => Assert.Null(DrillReportEndpoint.ParseSince(since, Now));
}
