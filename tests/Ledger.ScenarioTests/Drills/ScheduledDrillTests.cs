using System.Text.Json;
using Ledger.Api.Schedules;
using Ledger.Cli;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Ledger.ScenarioTests.Drills;

/// <summary>
/// Drill schedules announced by the agent (sd-prod/app: daily, into sd-stage's app_scheduled_drill; sd-empty/app: the
/// same schedule, never a backup), run by the ledger's tick.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_a_drill_schedule_comes_due(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private Task TickAsync(DateTimeOffset now) =>
        fixture.Stack.Ledger.Services.GetRequiredService<IMessageBus>().InvokeAsync(new RunDrillScheduleTick(now));

    [Fact]
    public async Task each_occurrence_runs_once_in_the_target_environment_a_refused_or_missed_one_is_recorded_and_the_report_counts_them_apart()
    {
        var source = (Env: LedgerFixture.DrillSourceEnvironment, Db: LedgerFixture.Database);
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", source.Env, "--db", source.Db, "--wait", "--timeout", "2m");
        Assert.True(take.ExitCode == ExitCodes.Ok, take.Error);

        var occurrence = fixture.DrillOccurrence;
        var now = DateTimeOffset.UtcNow;
        Assert.True(now - occurrence < TimeSpan.FromMinutes(55), "the stack started too long ago for today's occurrence to be due");
        await TickAsync(now);
        await TickAsync(now.AddSeconds(1)); // a second tick (or node) starts nothing more

        var id = DrillScheduleRules.DrillIdFor(source.Env, source.Db, occurrence);
        var drill = await DrillWaits.SettledAsync(fixture, id);
        // The sample source is not a DecisionGraph database: the restore is faithful and the projection checks fail, so the
        // drill ran to a verdict (verification-failed), which is what a drill schedule is for.
        Assert.Equal((DrillTriggers.Scheduled, occurrence, LedgerFixture.DrillStageEnvironment, LedgerFixture.ScheduledDrillTarget, "scheduler"),
            (drill.Trigger, drill.ScheduledFor!.Value, drill.TargetEnvironment, drill.TargetDatabase, drill.RequestedBy));
        Assert.Equal(DrillStatus.VerificationFailed, drill.Status);
        Assert.Equal("passed", Assert.Single(drill.Checks, c => c.Name == "fidelity").Outcome);
        Assert.Equal(DrillTargetOutcome.Dropped, drill.TargetOutcome);

        await using (var session = fixture.Store.QuerySession())
        {
            Assert.Equal(1, await session.Query<DrillView>().CountAsync(d => d.Environment == source.Env && d.Database == source.Db && d.ScheduledFor == occurrence));
            var restores = await session.Query<RestoreView>().Where(r => r.DrillId == id).ToListAsync();
            Assert.Equal(LedgerFixture.DrillStageEnvironment, Assert.Single(restores).Environment);

            // Yesterday's occurrence was never reached (the stack did not exist): missed, with the reason.
            var yesterday = (await session.LoadAsync<DrillView>(DrillScheduleRules.DrillIdFor(source.Env, source.Db, occurrence.AddDays(-1))))!;
            Assert.Equal((DrillStatus.Missed, DrillTriggers.Scheduled), (yesterday.Status, yesterday.Trigger));
            Assert.Contains("not running", yesterday.FailureReason);

            // sd-empty/app has no backup: its occurrence is refused and on record, once.
            var refusedId = DrillScheduleRules.DrillIdFor(LedgerFixture.NoBackupEnvironment, LedgerFixture.Database, occurrence);
            var refused = (await session.LoadAsync<DrillView>(refusedId))!;
            Assert.Equal((DrillStatus.Failed, DrillStages.NoBackup, DrillTriggers.Scheduled), (refused.Status, refused.FailureStage, refused.Trigger));
            Assert.Contains("No verified backup", refused.FailureReason);
            Assert.Equal(["DrillStarted", "DrillFailed"], await DrillWaits.EventTypesAsync(fixture, refusedId));
        }

        Assert.Equal(["DrillStarted", "DrillCompleted", "DrillTargetDropped"], await DrillWaits.EventTypesAsync(fixture, id));

        // A manual drill of the same source, also in sd-stage: the report counts the two apart, for the source.
        var manual = await fixture.RunCliAsync(Roles.Operator, "drills", "run", "--env", source.Env, "--db", source.Db,
            "--target-env", LedgerFixture.DrillStageEnvironment, "--timeout", "3m", "--json");
        Assert.True(manual.ExitCode == ExitCodes.RestoreFailed, manual.Error + manual.Out); // verification-failed, as above

        var report = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--env", source.Env, "--format", "json");
        var line = Assert.Single(JsonSerializer.Deserialize<DrillComplianceReport>(report.Out, Json)!.Lines);
        Assert.Equal((2, 1, 1, 1), (line.DrillsRun, line.ScheduledDrillsRun, line.ManualDrillsRun, line.ScheduledDrillsNotRun));
        var empty = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--env", LedgerFixture.NoBackupEnvironment, "--format", "json");
        var emptyLine = Assert.Single(JsonSerializer.Deserialize<DrillComplianceReport>(empty.Out, Json)!.Lines);
        Assert.Equal((0, 2), (emptyLine.DrillsRun, emptyLine.ScheduledDrillsNotRun)); // today's refused, yesterday's missed
        var table = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--env", source.Env);
        Assert.Contains("1 scheduled and 1 manual drills ran, 1 scheduled occurrences did not run", table.Out);
    }
}
