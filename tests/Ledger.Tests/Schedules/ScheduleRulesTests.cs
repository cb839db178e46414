using Ledger.Api.Schedules;
using Ledger.Contracts.Agents;

namespace Ledger.Tests.Schedules;

public sealed class when_a_schedule_is_evaluated
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 2, 30, 0, TimeSpan.Zero);

    [Fact]
    public void the_default_is_daily_at_two_utc()
    {
        var due = ScheduleRules.Due(new ManagedDatabase("prod", "app", DatabaseRoles.Primary), Now, TimeSpan.FromHours(26));
        Assert.Equal([new DateTimeOffset(2026, 11, 23, 2, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 24, 2, 0, 0, TimeSpan.Zero)], due);
    }

    [Fact]
    public void a_time_zone_moves_the_occurrence()
    {
        var due = ScheduleRules.Due(new ManagedDatabase("prod", "app", DatabaseRoles.Primary, "0 2 * * *", "Europe/Berlin"), Now, TimeSpan.FromHours(24));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 1, 0, 0, TimeSpan.Zero), Assert.Single(due));
    }

    [Fact]
    public void off_means_no_scheduled_backups() =>
        Assert.Empty(ScheduleRules.Due(new ManagedDatabase("prod", "app", DatabaseRoles.Primary, "off"), Now, TimeSpan.FromDays(3)));

    [Fact]
    public void the_backup_id_is_the_same_for_the_same_occurrence_only()
    {
        var at = new DateTimeOffset(2026, 11, 24, 2, 0, 0, TimeSpan.Zero);
        Assert.Equal(ScheduleRules.BackupIdFor("prod", "app", at), ScheduleRules.BackupIdFor("prod", "app", at.ToOffset(TimeSpan.FromHours(1))));
        Assert.NotEqual(ScheduleRules.BackupIdFor("prod", "app", at), ScheduleRules.BackupIdFor("prod", "app", at.AddDays(1)));
        Assert.NotEqual(ScheduleRules.BackupIdFor("prod", "app", at), ScheduleRules.BackupIdFor("qa", "app", at));
    }

    [Theory]
    [InlineData(false, null, null, ScheduleRules.Action.Request)]
    [InlineData(true, null, null, ScheduleRules.Action.RecordMissed)]
    [InlineData(false, false, false, ScheduleRules.Action.None)]
    [InlineData(true, false, false, ScheduleRules.Action.RecordMissed)]
    [InlineData(true, true, false, ScheduleRules.Action.None)]
    [InlineData(true, false, true, ScheduleRules.Action.None)]
    public void an_occurrence_is_requested_before_its_deadline_and_missed_once_after_it(bool late, bool? taken, bool? missed, ScheduleRules.Action expected)
    {
        var occurrence = Now.AddMinutes(-30);
        var now = late ? occurrence.AddHours(2) : occurrence.AddMinutes(1);
        var state = taken is null ? null : new ScheduledBackupState(taken.Value, missed!.Value);
        Assert.Equal(expected, ScheduleRules.Decide(occurrence, TimeSpan.FromHours(1), now, state));
    }
}
