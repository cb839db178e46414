using Ledger.Api.Drills;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;

namespace Ledger.Tests.Drills;

public sealed class when_a_drills_restore_finishes
{
    private static readonly DateTimeOffset At = new(2026, 6, 1, 10, 0, 0, TimeSpan.Zero);

    private static readonly Drill Running = Drill.Create(new DrillStarted(Guid.NewGuid(), "test", "app", "app_drill", Guid.NewGuid(),
        At.AddHours(-5), [], false, "ops", At));

    private static readonly RestoreView Restore = new()
    {
        Id = Guid.NewGuid(), Environment = "test", TargetDatabase = "app_drill", HostDatabase = "app", TargetRole = DatabaseRoles.NonPrimary,
        TargetManaged = false, DrillId = Running.Id, TargetTouched = true, TargetCreated = true,
    };

    private static RestoreFinished Finished(RestoreStatus status, string? reason = null) =>
        new(Running.Id, Restore.Id, status, reason, status == RestoreStatus.Failed ? null : 40_000, status == RestoreStatus.Failed ? null : 2_000, At.AddMinutes(1));

    [Fact]
    public void a_verified_restore_completes_the_drill_with_rto_as_restore_plus_verification_and_rpo_as_backup_age()
    {
        var (outcome, _) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Verified), Running, Restore);
        var completed = Assert.IsType<DrillCompleted>(outcome);
        Assert.Equal((true, 42_000L, 5 * 3600L), (completed.Passed, completed.RtoMs, completed.RpoSeconds));
        Assert.Equal([ManualSteps.None], completed.ManualSteps);
    }

    [Fact]
    public void a_finished_drill_asks_the_target_environments_agent_to_drop_the_target_it_restored_into()
    {
        var (outcome, drop) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Verified), Running, Restore);
        Assert.Equal(DrillTargetOutcome.Dropping, Assert.IsType<DrillCompleted>(outcome).TargetOutcome);
        Assert.NotNull(drop);
        Assert.Equal((Running.Id, new RestoreTarget("test", "app_drill", "app", DatabaseRoles.NonPrimary, false)), (drop!.DrillId, drop.Target));
    }

    [Fact]
    public void a_drill_run_in_another_environment_asks_that_environments_agent_to_drop_its_target()
    {
        var crossed = Running with { TargetEnvironment = "staging" };
        var (_, drop) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Verified), crossed, Restore with { Environment = "staging" });
        Assert.Equal("staging", drop!.Target.Environment);
    }

    [Fact]
    public void a_kept_a_managed_or_an_untouched_target_is_not_dropped_and_the_drill_says_why_as_a_code_and_in_words()
    {
        var keep = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Verified), Running with { Keep = true }, Restore);
        var kept = (DrillCompleted)keep.Outcome!;
        Assert.Equal((DrillTargetOutcome.Kept, (DropDrillTarget?)null), (kept.TargetOutcome, keep.Drop));
        Assert.Contains("--keep", kept.TargetDetail);

        var managed = DrillOutcomeHandler.Decide(Finished(RestoreStatus.VerificationFailed), Running, Restore with { TargetManaged = true });
        Assert.Null(managed.Drop);
        Assert.Equal(DrillTargetOutcome.KeptManaged, ((DrillCompleted)managed.Outcome!).TargetOutcome);
        Assert.Contains("managed database", ((DrillCompleted)managed.Outcome!).TargetDetail);

        var untouched = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Failed, "checksum: SHA-256 mismatch"), Running,
            Restore with { TargetTouched = false, TargetCreated = null });
        Assert.Null(untouched.Drop);
        Assert.Equal(DrillTargetOutcome.Untouched, Assert.IsType<DrillFailed>(untouched.Outcome).TargetOutcome);
    }

    [Fact]
    public void a_target_that_existed_before_the_drill_is_kept_and_never_asked_to_be_dropped()
    {
        var (outcome, drop) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Verified), Running, Restore with { TargetCreated = false });
        var completed = Assert.IsType<DrillCompleted>(outcome);
        Assert.Equal((DrillTargetOutcome.Kept, (DropDrillTarget?)null), (completed.TargetOutcome, drop));
        Assert.Contains("existed before the drill", completed.TargetDetail);
    }

    [Fact]
    public void the_drop_names_the_restore_that_created_the_target_so_the_agent_can_check_its_marker()
    {
        var (_, drop) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Verified), Running, Restore);
        Assert.Equal(Restore.Id, drop!.RestoreId);
    }

    [Fact]
    public void a_restore_that_failed_after_touching_the_target_fails_the_drill_and_still_drops_it()
    {
        var (outcome, drop) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Failed, "pg_restore: disk full"), Running, Restore);
        var failed = Assert.IsType<DrillFailed>(outcome);
        Assert.Contains("disk full", failed.Reason);
        Assert.Equal(DrillTargetOutcome.Dropping, failed.TargetOutcome);
        Assert.NotNull(drop);
    }

    [Fact]
    public void a_failed_verification_completes_the_drill_as_not_passed()
    {
        var (outcome, _) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.VerificationFailed, "x"), Running, Restore);
        Assert.False(Assert.IsType<DrillCompleted>(outcome).Passed);
    }

    [Fact]
    public void a_drill_already_decided_ignores_a_redelivered_or_late_outcome()
    {
        var (first, _) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Verified), Running, Restore);
        var decided = Running.Apply((DrillCompleted)first!);
        Assert.True(decided.IsFinal);

        var (again, drop) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Verified), decided, Restore);
        Assert.Equal(((object?)null, (DropDrillTarget?)null), (again, drop));
        var (late, lateDrop) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Failed, "late"), decided, Restore);
        Assert.Equal(((object?)null, (DropDrillTarget?)null), (late, lateDrop));
        // Applying a late failure to the write model changes nothing either.
        Assert.Equal(decided, decided.Apply(new DrillFailed(Running.Id, Restore.Id, DrillStages.Restore, "late", At.AddHours(1))));
    }

    [Fact]
    public void the_drop_report_is_appended_once_while_the_drop_is_pending_and_never_over_another_outcome()
    {
        var (first, _) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Verified), Running, Restore);
        var pending = Running.Apply((DrillCompleted)first!);
        var report = new DrillTargetDropped(Running.Id, "a1", "test", "app_drill", true, 12, At);
        Assert.Equal([report], DrillOutcomeHandler.Handle(report, pending));

        var dropped = pending.Apply(report);
        Assert.Equal(DrillTargetOutcome.Dropped, dropped.Target);
        Assert.Empty(DrillOutcomeHandler.Handle(report, dropped));
        Assert.Empty(DrillOutcomeHandler.Handle(new DrillTargetDropFailed(Running.Id, "a1", "test", "app_drill", "late", At), dropped));

        var kept = Running.Apply(new DrillCompleted(Running.Id, Restore.Id, true, 1, 1, [], [], DrillTargetOutcome.Kept, At));
        Assert.Empty(DrillOutcomeHandler.Handle(report, kept));
        Assert.Equal(DrillTargetOutcome.Kept, kept.Apply(report).Target);
    }

    [Fact]
    public void the_view_settles_a_pending_target_once_with_the_agents_words()
    {
        var view = DrillViewProjection.Create(new DrillStarted(Running.Id, "test", "app", "app_drill", Guid.NewGuid(), At.AddHours(-5), [], false, "ops", At));
        var pending = DrillViewProjection.Apply(new DrillCompleted(Running.Id, Restore.Id, true, 1, 1, [], [], DrillTargetOutcome.Dropping, At), view);
        var failed = DrillViewProjection.Apply(new DrillTargetDropFailed(Running.Id, "a1", "test", "app_drill", "permission denied", At), pending);
        Assert.Equal((DrillTargetOutcome.DropFailed, "permission denied"), (failed.TargetOutcome, failed.TargetDetail));
        var gone = DrillViewProjection.Apply(new DrillTargetDropped(Running.Id, "a1", "test", "app_drill", false, 1, At), pending);
        Assert.Equal((DrillTargetOutcome.Dropped, "it was already gone"), (gone.TargetOutcome, gone.TargetDetail));
        Assert.Equal(failed, DrillViewProjection.Apply(new DrillTargetDropped(Running.Id, "a1", "test", "app_drill", true, 1, At), failed));
    }
}
