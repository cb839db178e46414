using Ledger.Api.Drills;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;

namespace Ledger.Tests.Drills;

public sealed class when_a_drills_restore_finishes
{
    private static readonly DateTimeOffset At = new(2026, 6, 1, 10, 0, 0, TimeSpan.Zero);

    private static readonly DrillView Running = new()
    {
        Id = Guid.NewGuid(), Environment = "test", Database = "app", TargetDatabase = "app_drill", BackupId = Guid.NewGuid(),
        BackupSnapshotAt = At.AddHours(-5), StartedAt = At, Status = DrillStatus.Running, ManualSteps = [ManualSteps.None],
    };

    private static readonly RestoreView Restore = new()
    {
        Id = Guid.NewGuid(), Environment = "test", TargetDatabase = "app_drill", HostDatabase = "app", TargetRole = DatabaseRoles.NonPrimary,
        TargetManaged = false, DrillId = Running.Id, TargetTouched = true,
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
        Assert.Equal(DrillTargets.Dropping, Assert.IsType<DrillCompleted>(outcome).TargetOutcome);
        Assert.NotNull(drop);
        Assert.Equal((Running.Id, new RestoreTarget("test", "app_drill", "app", DatabaseRoles.NonPrimary, false)), (drop!.DrillId, drop.Target));
    }

    [Fact]
    public void a_kept_a_managed_or_an_untouched_target_is_not_dropped_and_the_drill_says_why()
    {
        var keep = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Verified), Running with { Keep = true }, Restore);
        Assert.Equal((DrillTargets.KeptOnRequest, (DropDrillTarget?)null), (((DrillCompleted)keep.Outcome!).TargetOutcome, keep.Drop));

        var managed = DrillOutcomeHandler.Decide(Finished(RestoreStatus.VerificationFailed), Running, Restore with { TargetManaged = true });
        Assert.Null(managed.Drop);
        Assert.Contains("managed database", ((DrillCompleted)managed.Outcome!).TargetOutcome);

        var untouched = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Failed, "checksum: SHA-256 mismatch"), Running,
            Restore with { TargetTouched = false, TargetCreated = null });
        Assert.Null(untouched.Drop);
        Assert.Equal(DrillTargets.Untouched, Assert.IsType<DrillFailed>(untouched.Outcome).TargetOutcome);
    }

    [Fact]
    public void a_restore_that_failed_after_touching_the_target_fails_the_drill_and_still_drops_it()
    {
        var (outcome, drop) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Failed, "pg_restore: disk full"), Running, Restore);
        var failed = Assert.IsType<DrillFailed>(outcome);
        Assert.Contains("disk full", failed.Reason);
        Assert.Equal(DrillTargets.Dropping, failed.TargetOutcome);
        Assert.NotNull(drop);
    }

    [Fact]
    public void a_failed_verification_completes_the_drill_as_not_passed()
    {
        var (outcome, _) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.VerificationFailed, "x"), Running, Restore);
        Assert.False(Assert.IsType<DrillCompleted>(outcome).Passed);
    }

    [Fact]
    public void a_drill_already_decided_ignores_a_redelivered_outcome()
    {
        var (outcome, drop) = DrillOutcomeHandler.Decide(Finished(RestoreStatus.Verified), Running with { Status = DrillStatus.Passed }, Restore);
        Assert.Null(outcome);
        Assert.Null(drop);
    }

    [Fact]
    public void the_drop_report_settles_a_pending_target_once_and_never_overrides_another_outcome()
    {
        var pending = Running with { Status = DrillStatus.Passed, TargetOutcome = DrillTargets.Dropping };
        var dropped = DrillViewProjection.Apply(new DrillTargetDropped(Running.Id, "a1", "test", "app_drill", true, 12, At), pending);
        Assert.Equal(DrillTargets.Dropped, dropped.TargetOutcome);
        var failed = DrillViewProjection.Apply(new DrillTargetDropFailed(Running.Id, "a1", "test", "app_drill", "permission denied", At), pending);
        Assert.Equal(DrillTargets.DropFailed("permission denied"), failed.TargetOutcome);
        var kept = Running with { TargetOutcome = DrillTargets.KeptOnRequest };
        Assert.Equal(DrillTargets.KeptOnRequest, DrillViewProjection.Apply(new DrillTargetDropped(Running.Id, "a1", "test", "app_drill", true, 1, At), kept).TargetOutcome);
    }
}
