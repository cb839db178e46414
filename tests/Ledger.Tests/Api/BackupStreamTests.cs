using Ledger.Api.Backups;
using Ledger.Contracts.Backups;

namespace Ledger.Tests.Api;

public sealed class when_agent_reports_reach_a_backup_stream
{
    private static readonly Guid Id = Guid.NewGuid();
    private static readonly DateTimeOffset At = new(2026, 11, 1, 3, 0, 0, TimeSpan.Zero);
    private static readonly BackupRequested Requested = new(Id, "prod", "app", "scheduled", "v1", "scheduler", At);
    private static readonly BackupTaken Taken = new(Id, "prod", "app", "scheduled", "v1", "a1", At.AddSeconds(1),
        At.AddSeconds(61), 60_000, "/r/prod/app/x.dump", 1234, "ab", "pg_dump 15", "15.18", ["--format=custom"],
        [new TableRowCount("public", "t", 5)]);

    [Fact]
    public void a_late_or_redelivered_report_appends_nothing()
    {
        var verified = Backup.Create(Requested).Apply(Taken).Apply(new BackupVerified(Id, "a1", "ab", 1, 5, At));
        Assert.Empty(BackupReportsHandler.Handle(new BackupStarted(Id, "a1", At), verified));
        Assert.Empty(BackupReportsHandler.Handle(Taken, verified, At.AddSeconds(62)));
        Assert.Empty(BackupReportsHandler.Handle(new BackupVerified(Id, "a1", "ab", 1, 5, At), verified).Item1);
        Assert.Empty(BackupReportsHandler.Handle(new BackupFailed(Id, "a1", "x", null, At), verified).Item1);
    }

    [Fact]
    public void verification_is_only_accepted_for_a_taken_backup()
    {
        var running = Backup.Create(Requested).Apply(new BackupStarted(Id, "a1", At));
        Assert.Empty(BackupReportsHandler.Handle(new BackupVerified(Id, "a1", "ab", 1, 5, At), running).Item1);
        Assert.Single(BackupReportsHandler.Handle(Taken, running, At.AddSeconds(62)));
    }

    [Fact]
    public void a_backup_a_gate_asked_for_tells_the_gate_how_it_ended()
    {
        var gateId = Guid.NewGuid();
        var taken = Backup.Create(Requested with { GateId = gateId }).Apply(Taken);

        var (events, outgoing) = BackupReportsHandler.Handle(new BackupVerified(Id, "a1", "ab", 1, 5, At.AddMinutes(2)), taken);

        Assert.IsType<BackupVerified>(Assert.Single(events));
        var told = Assert.IsType<Ledger.Contracts.Gates.GateBackupFinished>(Assert.Single(outgoing));
        Assert.Equal((gateId, Id, true, Taken.StartedAt), (told.GateId, told.BackupId, told.Verified, told.SnapshotAt));
    }

    [Fact]
    public void a_backup_nobody_waits_for_tells_no_gate() =>
        Assert.Empty(BackupReportsHandler.Handle(new BackupFailed(Id, "a1", "x", null, At), Backup.Create(Requested)).Item2);

    [Fact]
    public void the_restore_point_carries_every_recorded_fact_and_its_snapshot_time()
    {
        var point = RestorePointProjection.Apply(Taken,
            RestorePointProjection.Apply(new BackupStarted(Id, "a1", At), RestorePointProjection.Create(Requested)));
        point = RestorePointProjection.Apply(new BackupVerified(Id, "a1", "ab", 1, 5, At.AddMinutes(2)), point);

        Assert.Equal(BackupStatus.Verified, point.Status);
        Assert.Equal(Taken.StartedAt, point.Timestamp);
        Assert.Equal(("v1", "scheduled", "scheduler"), (point.Release, point.Trigger, point.RequestedBy));
        Assert.Equal((1234L, "ab", "/r/prod/app/x.dump"), (point.SizeBytes!.Value, point.Sha256, point.ArtifactPath));
        Assert.Equal(5, Assert.Single(point.TableRowCounts).Rows);
        Assert.Equal(At.AddMinutes(2), point.VerifiedAt);
    }
}
