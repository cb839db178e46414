using Ledger.Api.Drills;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;

namespace Ledger.Tests.Drills;

public sealed class when_a_drills_restore_finishes
{
    private static readonly DateTimeOffset At = new(2026, 6, 1, 10, 0, 0, TimeSpan.Zero);

    private static readonly DrillView Running = new()
    {
        Id = Guid.NewGuid(), Environment = "test", Database = "app", TargetDatabase = "app_drill", BackupId = Guid.NewGuid(),
        BackupSnapshotAt = At.AddHours(-5), StartedAt = At, Status = DrillStatuses.Running, ManualSteps = [ManualSteps.None],
    };

    [Fact]
    public void a_verified_restore_completes_the_drill_with_rto_as_restore_plus_verification_and_rpo_as_backup_age()
    {
        var outcome = DrillOutcomeHandler.Decide(new RestoreFinished(Running.Id, Guid.NewGuid(), RestoreStatuses.Verified, null, 40_000, 2_000, At.AddMinutes(1)), Running, null);
        var completed = Assert.IsType<DrillCompleted>(outcome);
        Assert.Equal((true, 42_000L, 5 * 3600L), (completed.Passed, completed.RtoMs, completed.RpoSeconds));
        Assert.Equal([ManualSteps.None], completed.ManualSteps);
        Assert.Equal(DrillTargets.DropNotImplemented, completed.TargetOutcome);
    }

    [Fact]
    public void a_failed_verification_completes_the_drill_as_not_passed_and_a_failed_restore_fails_it()
    {
        var verification = DrillOutcomeHandler.Decide(new RestoreFinished(Running.Id, Guid.NewGuid(), RestoreStatuses.VerificationFailed, "x", 1, 1, At), Running, null);
        Assert.False(Assert.IsType<DrillCompleted>(verification).Passed);
        var failed = DrillOutcomeHandler.Decide(new RestoreFinished(Running.Id, Guid.NewGuid(), RestoreStatuses.Failed, "disk full", null, null, At), Running, null);
        Assert.Contains("disk full", Assert.IsType<DrillFailed>(failed).Reason);
    }

    [Fact]
    public void a_drill_already_decided_ignores_a_redelivered_outcome() =>
        Assert.Null(DrillOutcomeHandler.Decide(new RestoreFinished(Running.Id, Guid.NewGuid(), RestoreStatuses.Verified, null, 1, 1, At),
            Running with { Status = DrillStatuses.Passed }, null));
}
