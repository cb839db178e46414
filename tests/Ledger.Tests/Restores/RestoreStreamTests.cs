using Ledger.Api.Restores;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Restores;

namespace Ledger.Tests.Restores;

public sealed class when_agent_reports_reach_a_restore_stream
{
    private static readonly Guid Id = Guid.NewGuid();
    private static readonly DateTimeOffset At = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);
    private static readonly RestoreRequested Requested = new(Id, Guid.NewGuid(), "prod", "app",
        new RestoreTarget("staging", "app", "app", DatabaseRoles.NonPrimary, true), false, false, 1000, At.AddHours(-1),
        new RestoreEstimate(null, "none", 0), [], "ops", At);
    private static readonly WritesBlocked Blocked = new(Id, "a1", false, true, -1, 2, 5, At);
    private static readonly RestoreCompleted Completed = new(Id, "a1", 4, "pg_restore 15", ["--clean"], 900, 1000, At.AddSeconds(1));
    private static readonly VerificationPassed Passed = new(Id, "a1", [], 300, At.AddSeconds(2));

    private static Restore Verifying() => Restore.Create(Requested).Apply(new RestoreStarted(Id, "a1", At)).Apply(Blocked).Apply(Completed);

    [Fact]
    public void each_step_is_accepted_once_in_order()
    {
        var requested = Restore.Create(Requested);
        Assert.Single(RestoreReportsHandler.Handle(new RestoreStarted(Id, "a1", At), requested));
        Assert.Empty(RestoreReportsHandler.Handle(Blocked, requested));
        Assert.Empty(RestoreReportsHandler.Handle(Passed, requested).Item1);

        var started = requested.Apply(new RestoreStarted(Id, "a1", At));
        Assert.Empty(RestoreReportsHandler.Handle(new RestoreStarted(Id, "a1", At), started));
        Assert.Single(RestoreReportsHandler.Handle(Blocked, started));
    }

    [Fact]
    public void a_late_or_redelivered_report_appends_nothing()
    {
        var verified = Verifying().Apply(new ProjectionRebuildSkipped(Id, "a1", false, "not needed", At)).Apply(Passed);
        Assert.Empty(RestoreReportsHandler.Handle(Completed, verified));
        Assert.Empty(RestoreReportsHandler.Handle(Passed, verified).Item1);
        Assert.Empty(RestoreReportsHandler.Handle(new VerificationFailed(Id, "a1", [], "x", 1, At), verified).Item1);
        Assert.Empty(RestoreReportsHandler.Handle(new RestoreFailed(Id, "a1", RestoreStages.PgRestore, "x", null, true, 1, At), verified).Item1);
        Assert.Empty(RestoreReportsHandler.Handle(new ProjectionRebuildSkipped(Id, "a1", false, "again", At), verified));
    }

    [Fact]
    public void the_rebuild_decision_is_recorded_once()
    {
        var decided = Verifying().Apply(new ProjectionsRebuilt(Id, "a1", "behind", ["acme"], ["job-1"], true, 10, At));
        Assert.Empty(RestoreReportsHandler.Handle(new ProjectionsRebuilt(Id, "a1", "behind", ["acme"], ["job-1"], true, 10, At), decided));
        Assert.Single(RestoreReportsHandler.Handle(Passed, decided).Item1);
    }

    [Fact]
    public void a_plan_accepts_only_its_plan_or_its_failure()
    {
        var plan = Restore.Create(Requested with { Plan = true });
        Assert.Empty(RestoreReportsHandler.Handle(new RestoreStarted(Id, "a1", At), plan));
        var planned = new RestorePlanned(Id, "a1", new RestoreTargetState(false, null, 0, null, null, true, null),
            new RestoreDataLoss("nothing", 0, null, [], 0), true, ["step"], At);
        Assert.Single(RestoreReportsHandler.Handle(planned, plan));
        Assert.Single(RestoreReportsHandler.Handle(new RestoreFailed(Id, "a1", RestoreStages.Plan, "x", null, false, 0, At), plan).Item1);
        Assert.Empty(RestoreReportsHandler.Handle(planned, plan.Apply(planned)));
    }

    [Fact]
    public void a_restore_a_drill_asked_for_tells_the_drill_how_it_ended()
    {
        var drillId = Guid.NewGuid();
        var verifying = Restore.Create(Requested with { DrillId = drillId }).Apply(new RestoreStarted(Id, "a1", At)).Apply(Blocked).Apply(Completed);

        var (events, outgoing) = RestoreReportsHandler.Handle(Passed, verifying);

        Assert.IsType<VerificationPassed>(Assert.Single(events));
        var told = Assert.IsType<RestoreFinished>(Assert.Single(outgoing));
        Assert.Equal((drillId, Id, RestoreStatus.Verified, 1000L, 300L), (told.DrillId, told.RestoreId, told.Status, told.RestoreDurationMs!.Value, told.VerificationDurationMs!.Value));
        Assert.Empty(RestoreReportsHandler.Handle(Passed, Verifying()).Item2);
    }

    [Fact]
    public void the_view_carries_the_durations_a_drill_needs_and_the_plan()
    {
        var view = RestoreViewProjection.Create(Requested);
        view = RestoreViewProjection.Apply(new RestoreStarted(Id, "a1", At), view);
        view = RestoreViewProjection.Apply(Blocked, view);
        view = RestoreViewProjection.Apply(Completed, view);
        view = RestoreViewProjection.Apply(Passed, view);

        Assert.Equal(RestoreStatus.Verified, view.Status);
        Assert.Equal((1000L, 900L, 300L, 5L), (view.DurationMs!.Value, view.RestoreMs!.Value, view.VerificationMs!.Value, view.ChecksumMs!.Value));
        Assert.Equal((true, -1, 2), (view.PreviousAllowConnections!.Value, view.PreviousConnectionLimit!.Value, view.SessionsTerminated!.Value));
        Assert.Equal(Passed.VerifiedAt, view.FinishedAt);

        var plan = RestoreViewProjection.Create(Requested with { Plan = true, Blockers = [new RestoreRefusal(Interlocks.PrimaryTarget, "primary", 400)] });
        plan = RestoreViewProjection.Apply(new RestorePlanned(Id, "a1", new RestoreTargetState(true, 10, 1, true, -1, true, 42),
            new RestoreDataLoss("3 rows", 3, 3, [], 5), true, ["a", "b"], At), plan);
        Assert.Equal(RestoreStatus.Planned, plan.Status);
        Assert.Equal(3600, plan.PlanDetails!.Backup.AgeSeconds);
        Assert.Equal(Interlocks.PrimaryTarget, Assert.Single(plan.PlanDetails.WouldBeRefused).Interlock);
        Assert.Equal(["a", "b"], plan.PlanDetails.Steps);
    }
}
