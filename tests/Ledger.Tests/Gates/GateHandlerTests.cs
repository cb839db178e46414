using Ledger.Api.Gates;
using Ledger.Contracts.Gates;

namespace Ledger.Tests.Gates;

public sealed class when_a_gate_hears_back
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);
    private static readonly Guid GateId = GateIds.For("prod", "app", "v2");
    private static readonly Guid BackupId = Guid.NewGuid();
    private static readonly Gate Pending = Gate.Create(new GateRequested(GateId, 2, "prod", "app", "v2", "v1", 3600, 1800, BackupId, "ci", Now));

    [Fact]
    public void a_verified_backup_opens_the_pending_attempt_with_its_evidence()
    {
        var opened = Assert.IsType<GateOpened>(Assert.Single(GateHandler.Handle(
            new GateBackupFinished(GateId, BackupId, true, null, Now.AddMinutes(1), Now.AddMinutes(2)), Pending, Now.AddMinutes(3))));
        Assert.Equal((2, BackupId, 120L), (opened.Attempt, opened.BackupId, opened.BackupAgeSeconds));
    }

    [Fact]
    public void a_failed_backup_denies_it_with_the_reason()
    {
        var denied = Assert.IsType<GateDenied>(Assert.Single(GateHandler.Handle(
            new GateBackupFinished(GateId, BackupId, false, "disk full", Now, Now), Pending, Now)));
        Assert.Contains("disk full", denied.Reason);
    }

    [Fact]
    public void redelivery_and_late_messages_change_nothing()
    {
        var opened = Pending.Apply(new GateOpened(GateId, 2, BackupId, 1, Now, "ok", Now));
        Assert.Empty(GateHandler.Handle(new GateBackupFinished(GateId, BackupId, true, null, Now, Now), opened, Now));
        Assert.Empty(GateHandler.Handle(new GateTimedOut(GateId, 2), opened, Now));
        Assert.Empty(GateHandler.Handle(new GateTimedOut(GateId, 1), Pending, Now)); // an earlier attempt's deadline
        Assert.Empty(GateHandler.Handle(new GateBackupFinished(GateId, Guid.NewGuid(), false, "x", Now, Now), Pending, Now));
    }

    [Fact]
    public void the_deadline_expires_the_attempt_it_was_set_for()
    {
        var expired = Assert.IsType<GateExpired>(Assert.Single(GateHandler.Handle(new GateTimedOut(GateId, 2), Pending, Now)));
        Assert.Equal(BackupId, expired.BackupId);
    }

    [Fact]
    public void gate_ids_are_deterministic_per_environment_database_and_target_release()
    {
        Assert.Equal(GateIds.For("prod", "app", "v2"), GateId);
        Assert.NotEqual(GateIds.For("prod", "app", "v3"), GateId);
        Assert.NotEqual(GateIds.For("prod", "audit", "v2"), GateId);
    }
}
