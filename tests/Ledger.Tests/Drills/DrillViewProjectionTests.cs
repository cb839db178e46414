using Ledger.Api.Drills;
using Ledger.Contracts.Drills;

namespace Ledger.Tests.Drills;

public sealed class when_a_drill_stream_is_projected
{
    private static readonly DateTimeOffset At = new(2026, 6, 1, 10, 0, 0, TimeSpan.Zero);

    private static DrillView Started(params string[] steps) => DrillViewProjection.Create(
        new DrillStarted(Guid.NewGuid(), "test", "app", "app_drill", Guid.NewGuid(), At.AddHours(-8), steps, false, "ops", At));

    [Fact]
    public void a_drill_that_needed_no_manual_step_says_none()
    {
        Assert.Equal([ManualSteps.None], Started().ManualSteps);
        Assert.Equal(0, ManualSteps.Count(Started().ManualSteps));
        Assert.Equal(2, ManualSteps.Count(Started("open firewall", " ", "restart app").ManualSteps));
    }

    [Fact]
    public void a_completed_drill_carries_rto_rpo_and_its_verdict_and_a_late_failure_changes_nothing()
    {
        var view = Started("restart app");
        var restoreId = Guid.NewGuid();
        var done = DrillViewProjection.Apply(new DrillCompleted(view.Id, restoreId, false, 90_000, 28_800, [], ["restart app"],
            "target kept: drop not implemented", At.AddMinutes(2)), view);
        Assert.Equal((DrillStatus.VerificationFailed, 90_000L, 28_800L, restoreId), (done.Status, done.RtoMs!.Value, done.RpoSeconds!.Value, done.RestoreId!.Value));

        var late = DrillViewProjection.Apply(new DrillFailed(view.Id, null, DrillStages.Restore, "late", At.AddMinutes(3)), done);
        Assert.Equal(DrillStatus.VerificationFailed, late.Status);
        Assert.Null(late.FailureReason);
    }
}
