using Ledger.Agent.Backups;
using Ledger.Agent.Recovery;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Restores;

namespace Ledger.Tests.Agent;

public sealed class when_a_step_is_journalled : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dgledger-journal-" + Guid.NewGuid().ToString("N")[..8]);
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TakeBackup Request = new(Guid.NewGuid(), "prod", "app", "manual", null, Now);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task a_redelivered_step_replays_its_outcome_instead_of_running_again()
    {
        var journal = new OperationJournal(_directory);
        var runs = 0;
        Task<object[]> Work(StepProgress progress)
        {
            runs++;
            progress.At(Phases.MidDump, "/r/prod/app/x.dump");
            return Task.FromResult<object[]>([new BackupFailed(Request.BackupId, "a1", "pg_dump exited with code 1.", null, Now)]);
        }

        var first = await journal.RunOnceAsync(Steps.Dump, Request.BackupId, Phases.SnapshotExport, new DumpDatabase(Request), TimeProvider.System, Work);
        var again = await new OperationJournal(_directory).RunOnceAsync(Steps.Dump, Request.BackupId, Phases.SnapshotExport, new DumpDatabase(Request), TimeProvider.System, Work);

        Assert.Equal(1, runs);
        Assert.Equal(first, again);
        var entry = journal.Find(Steps.Dump, Request.BackupId)!;
        Assert.Equal((StepStatus.Done, "/r/prod/app/x.dump"), (entry.Status, entry.ArtifactPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(Artifacts.FileMode, File.GetUnixFileMode(Directory.EnumerateFiles(journal.Directory).Single()));
        }
    }

    [Fact]
    public void an_interrupted_step_is_reported_with_its_phase_and_the_target_it_put_back()
    {
        var restore = new RestoreBackup(Guid.NewGuid(), new RestoreArtifact(Guid.NewGuid(), "prod", "app", "/r/x.dump", 1, "ab", Now, [], null),
            new RestoreTarget("prod", "scratch", "app", "non-primary", false), Now);
        var entry = new JournalEntry
        {
            Step = Steps.PgRestore, Id = restore.RestoreId, Phase = Phases.MidPgRestore, StartedAt = Now.AddMinutes(-2),
            Message = StoredMessage.Of(new Ledger.Agent.Restores.RunPgRestore(restore, Now.AddMinutes(-2),
                new WritesBlocked(restore.RestoreId, "a1", false, true, 7, 0, 1, Now))),
        };
        var hold = new TargetHold("prod", "app", "scratch", true, true, 7);

        var failed = Assert.IsType<RestoreFailed>(Interruptions.ReportFor(entry, "a1", Now, hold, reopened: true));
        Assert.Equal((RestoreStages.PgRestore, true, 120_000L), (failed.Stage, failed.TargetTouched, failed.DurationMs));
        Assert.StartsWith("interrupted: the agent restarted during pg_restore; pg_restore's sessions were ended", failed.Reason);

        var stuck = Assert.IsType<RestoreFailed>(Interruptions.ReportFor(entry, "a1", Now, hold, reopened: false));
        Assert.Contains("the target could not be reopened: run ALTER DATABASE", stuck.Reason);
        Assert.EndsWith("WITH ALLOW_CONNECTIONS true CONNECTION LIMIT 7", stuck.Reason);
    }
}
