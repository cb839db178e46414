using Ledger.Agent;
using Ledger.Agent.Backups;
using Ledger.Agent.Restores;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;

namespace Ledger.Tests.Agent;

public sealed class when_an_agent_step_fails_unexpectedly
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly AgentOptions Options = new()
    {
        Id = "a1",
        Databases = [new() { Name = "app", Environment = "prod", ConnectionString = "Host=db1;Database=app;Username=dg;Password=custom" }],
    };

    private static readonly TakeBackup Take = new(Guid.NewGuid(), "prod", "app", BackupTriggers.Manual, null, Now);

    private static readonly RestoreBackup Restore = new(Guid.NewGuid(),
        new RestoreArtifact(Guid.NewGuid(), "prod", "app", "/r/a.dump", 1, "ab", Now, [], null),
        new RestoreTarget("prod", "app_copy", "app", DatabaseRoles.NonPrimary, false), Now);

    [Fact]
    public void every_backup_step_reports_a_backup_failure_naming_the_exception()
    {
        var failed = Assert.IsType<BackupFailed>(FailureReports.For(new DumpDatabase(Take), new InvalidOperationException("boom"), Options, Now));
        Assert.Equal((Take.BackupId, "a1"), (failed.BackupId, failed.AgentId));
        Assert.Equal("unexpected failure: InvalidOperationException: boom", failed.Reason);
        Assert.IsType<BackupFailed>(FailureReports.For(Take, new NullReferenceException(), Options, Now));
    }

    [Fact]
    public void a_restore_step_reports_its_stage_and_whether_the_target_may_have_changed()
    {
        var preflight = Assert.IsType<RestoreFailed>(FailureReports.For(new PrepareRestore(Restore, Now.AddSeconds(-2)), new IOException("x"), Options, Now));
        Assert.Equal((RestoreStages.Preflight, false, 2000L), (preflight.Stage, preflight.TargetTouched, preflight.DurationMs));
        var restoring = Assert.IsType<RestoreFailed>(FailureReports.For(
            new RunPgRestore(Restore, Now, new WritesBlocked(Restore.RestoreId, "a1", true, true, -1, 0, 0, Now)), new IOException("x"), Options, Now));
        Assert.Equal((RestoreStages.PgRestore, true), (restoring.Stage, restoring.TargetTouched));
    }

    [Fact]
    public void a_drop_reports_a_drop_failure_and_an_unknown_message_reports_nothing()
    {
        Assert.IsType<DrillTargetDropFailed>(FailureReports.For(new DropDrillTarget(Guid.NewGuid(), Restore.Target, Now), new IOException("x"), Options, Now));
        Assert.Null(FailureReports.For("not a step", new IOException("x"), Options, Now));
    }

    [Fact]
    public void a_configured_password_never_reaches_the_reason() =>
        // The password 'custom' is inside pg_dump's --format=custom: the runner's guard throws with the argument in its message.
        Assert.DoesNotContain("custom", FailureReports.Describe(new ArgumentException("argument '--format=custom' contains the password"), Options));
}
