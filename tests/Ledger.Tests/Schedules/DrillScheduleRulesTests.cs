using Ledger.Api.Schedules;
using Ledger.Contracts.Agents;

namespace Ledger.Tests.Schedules;

public sealed class when_a_drill_schedule_is_read
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 3, 0, 30, TimeSpan.Zero);

    private static ManagedDatabase Db(string? drillSchedule, string? timeZone = null, string? targetEnv = null, string? targetDb = null) =>
        new("prod", "dg_prod", DatabaseRoles.Primary, "0 2 * * *", timeZone, null, drillSchedule, targetEnv, targetDb);

    [Fact]
    public void a_database_without_a_drill_schedule_or_with_off_is_never_drilled()
    {
        Assert.Empty(DrillScheduleRules.Due(Db(null), Now, TimeSpan.FromHours(26)));
        Assert.Empty(DrillScheduleRules.Due(Db(" "), Now, TimeSpan.FromHours(26)));
        Assert.Empty(DrillScheduleRules.Due(Db("off"), Now, TimeSpan.FromHours(26)));
    }

    [Fact]
    public void occurrences_come_from_the_cron_in_the_databases_time_zone()
    {
        Assert.Equal([new DateTimeOffset(2026, 6, 1, 3, 0, 0, TimeSpan.Zero)], DrillScheduleRules.Due(Db("0 3 * * *"), Now, TimeSpan.FromHours(2)));
        // 05:00 in Berlin (summer, UTC+2) is 03:00 UTC.
        Assert.Equal([new DateTimeOffset(2026, 6, 1, 3, 0, 0, TimeSpan.Zero)],
            DrillScheduleRules.Due(Db("0 5 * * *", "Europe/Berlin"), Now, TimeSpan.FromHours(2)).Select(o => o.ToUniversalTime()));
    }

    [Fact]
    public void each_occurrence_has_one_drill_id_whatever_offset_it_is_written_with()
    {
        var at = new DateTimeOffset(2026, 6, 1, 3, 0, 0, TimeSpan.Zero);
        Assert.Equal(DrillScheduleRules.DrillIdFor("prod", "dg_prod", at), DrillScheduleRules.DrillIdFor("prod", "dg_prod", at.ToOffset(TimeSpan.FromHours(2))));
        Assert.NotEqual(DrillScheduleRules.DrillIdFor("prod", "dg_prod", at), DrillScheduleRules.DrillIdFor("prod", "dg_prod", at.AddDays(1)));
        Assert.NotEqual(DrillScheduleRules.DrillIdFor("prod", "dg_prod", at), ScheduleRules.BackupIdFor("prod", "dg_prod", at));
    }

    [Fact]
    public void an_occurrence_starts_once_before_its_deadline_and_is_missed_once_after_it()
    {
        var at = new DateTimeOffset(2026, 6, 1, 3, 0, 0, TimeSpan.Zero);
        var deadline = TimeSpan.FromHours(1);
        Assert.Equal(DrillScheduleRules.Action.Start, DrillScheduleRules.Decide(at, deadline, at.AddMinutes(1), exists: false));
        Assert.Equal(DrillScheduleRules.Action.None, DrillScheduleRules.Decide(at, deadline, at.AddMinutes(2), exists: true));
        Assert.Equal(DrillScheduleRules.Action.RecordMissed, DrillScheduleRules.Decide(at, deadline, at.AddHours(1), exists: false));
        Assert.Equal(DrillScheduleRules.Action.None, DrillScheduleRules.Decide(at, deadline, at.AddHours(2), exists: true));
    }

    [Fact]
    public void the_occurrences_drill_goes_to_the_announced_target_or_the_defaults()
    {
        var crossed = DrillScheduleRules.RequestFor(Db("0 3 * * *", targetEnv: "staging", targetDb: "dg_prod_rehearsal"));
        Assert.Equal(("prod", "dg_prod", "staging", "dg_prod_rehearsal", false), (crossed.Environment, crossed.Database, crossed.TargetEnvironment, crossed.TargetDatabase, crossed.Keep));
        var own = DrillScheduleRules.RequestFor(Db("0 3 * * *"));
        Assert.Equal(((string?)null, (string?)null), (own.TargetEnvironment, own.TargetDatabase));
    }
}
