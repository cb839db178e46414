using Ledger.Agent.Backups;
using Ledger.Agent.Drills;
using Ledger.Agent.Restores;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Npgsql;
using Wolverine;

namespace Ledger.Agent.Recovery;

/// <summary>
/// What a restarted agent does before it takes any work (a hosted service that starts before Wolverine does): it
/// removes passfiles left by a killed process, reads its journal and, for every step it died in, removes that step's
/// partial files, ends the sessions an orphaned pg_restore still holds on the target, puts the target's saved
/// connection settings back, and records the step as interrupted; once the message bus runs, it reports each one
/// ("interrupted: the agent restarted during pg_restore"). A redelivered step then replays that report instead of
/// running again (<see cref="OperationJournal.RunOnceAsync"/>).
/// </summary>
public sealed class AgentRecovery(AgentOptions options, AgentState state, OperationJournal journal, TargetGuards guards,
    TimeProvider clock, IMessageBus bus, IHostApplicationLifetime lifetime, ILogger<AgentRecovery> log, ILogger<DropDrillTarget> dropLog)
    : BackgroundService
{
    /// <summary>A partial file this old in a managed database's directory is left by a crash, whoever wrote it.</summary>
    public static readonly TimeSpan StalePartialAge = TimeSpan.FromHours(1);

    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when recovery has reported everything it found (tests and the doctor may wait on it).</summary>
    public Task Recovered => _recovered.Task;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var passfiles = state.SweepPassfiles();
        var pruned = journal.Prune(now);
        var leftovers = SweepStalePartials(now);
        var holds = journal.All().Where(e => e.Step == Steps.Hold).ToList();
        var reopened = new Dictionary<Guid, bool>();
        foreach (var hold in holds)
        {
            reopened[hold.Id] = await PutBackAsync(hold, cancellationToken);
        }

        var interrupted = 0;
        foreach (var entry in journal.All().Where(e => e.Status == StepStatus.Running && e.Step != Steps.Hold))
        {
            interrupted++;
            var hold = holds.FirstOrDefault(h => h.Id == RestoreIdOf(entry))?.Hold;
            var wasReopened = hold is null || reopened.GetValueOrDefault(RestoreIdOf(entry) ?? Guid.Empty, true);
            object? report;
            if (entry.Step == Steps.Dump)
            {
                leftovers += RemoveArtifactFiles(entry);
                report = Interruptions.ReportFor(entry, options.Id, now);
            }
            else if (entry.Step == Steps.Drop && entry.Message?.ToMessage() is DropDrillTarget drop)
            {
                // A drop is idempotent and guarded: recovery finishes it rather than leave a scratch database behind.
                report = await DropDrillTargetHandler.DropAsync(drop, options, guards, clock, dropLog, cancellationToken);
            }
            else
            {
                report = Interruptions.ReportFor(entry, options.Id, now, hold, wasReopened);
            }

            journal.Write(entry with
            {
                Status = StepStatus.Interrupted,
                UpdatedAt = now,
                Outcome = report is null ? [] : [StoredMessage.Of(report)],
                Reported = false,
            });
            log.LogWarning("Recovery: {Step} {Id} was interrupted during {Phase}", entry.Step, entry.Id, entry.Phase);
        }

        // A target closed by a prepare that had finished (its pg_restore step had not started): the restore is over.
        foreach (var hold in holds.Where(h => reopened[h.Id]))
        {
            if (journal.Find(Steps.PgRestore, hold.Id) is null && journal.Find(Steps.Prepare, hold.Id) is { Status: StepStatus.Done } prepared
                && JournalMessages(prepared).OfType<RunPgRestore>().FirstOrDefault() is { } next)
            {
                var entry = new JournalEntry
                {
                    Step = Steps.PgRestore, Id = hold.Id, Status = StepStatus.Running, Phase = Phases.TargetClosed, StartedAt = prepared.StartedAt,
                    UpdatedAt = now, Message = StoredMessage.Of(next),
                };
                var report = Interruptions.ReportFor(entry, options.Id, now, hold.Hold, true);
                journal.Write(entry with { Status = StepStatus.Interrupted, Outcome = [StoredMessage.Of(report!)] });
                interrupted++;
            }
        }

        log.LogInformation("Recovery: {Interrupted} interrupted step(s), {Holds} target(s) put back, {Leftovers} leftover file(s) and {Passfiles} passfile(s) removed, {Pruned} old journal entries pruned",
            interrupted, reopened.Count(r => r.Value), leftovers, passfiles, pruned);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Wolverine can only send once the host has started.
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var reported = 0;
                foreach (var entry in journal.All().Where(e => e.Status == StepStatus.Interrupted && !e.Reported))
                {
                    foreach (var report in OperationJournal.Replay(entry))
                    {
                        await bus.PublishAsync(report);
                        reported++;
                    }

                    journal.Write(entry with { Reported = true });
                }

                log.LogInformation("Recovery: {Reported} report(s) of interrupted steps sent", reported);
                _recovered.TrySetResult();
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
            {
                log.LogWarning("Recovery: reports not sent yet: {Reason}", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    private static Guid? RestoreIdOf(JournalEntry entry) => entry.Step is Steps.Prepare or Steps.PgRestore or Steps.VerifyRestore ? entry.Id : null;

    private static IEnumerable<object> JournalMessages(JournalEntry entry) => OperationJournal.Replay(entry);

    /// <summary>Ends what an orphaned pg_restore still holds on the target and puts the saved settings back; false if it could not.</summary>
    private async Task<bool> PutBackAsync(JournalEntry entry, CancellationToken ct)
    {
        var hold = entry.Hold!;
        var host = options.Find(hold.Environment, hold.HostDatabase);
        if (host is null)
        {
            log.LogError("Recovery: {Target} was closed by restore {RestoreId}, but this agent no longer manages {Environment}/{Host}: reopen it by hand",
                hold.TargetDatabase, entry.Id, hold.Environment, hold.HostDatabase);
            return false;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await using var server = await TargetServer.OpenAsync(host, hold.TargetDatabase, timeout.Token);
            var ended = await server.EndRestoreSessionsAsync(timeout.Token);
            if ((await server.DescribeAsync(timeout.Token)).Exists)
            {
                await server.ReopenAsync(hold.PreviousAllowConnections, hold.PreviousConnectionLimit, timeout.Token);
            }

            journal.Remove(Steps.Hold, entry.Id);
            log.LogWarning("Recovery: {Target} reopened as it was before restore {RestoreId} ({Sessions} orphaned pg_restore session(s) ended)",
                hold.TargetDatabase, entry.Id, ended);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            log.LogError("Recovery: could not reopen {Target} after restore {RestoreId}: {Reason}", hold.TargetDatabase, entry.Id, e.Message);
            return false;
        }
    }

    /// <summary>Removes everything an interrupted dump may have written: partial files, and a renamed artifact, sidecar and exports.</summary>
    private static int RemoveArtifactFiles(JournalEntry entry)
    {
        if (entry.ArtifactPath is not { } artifact)
        {
            return 0;
        }

        var sidecar = Artifacts.SidecarPathFor(artifact);
        var removed = 0;
        foreach (var file in new[] { Artifacts.PartialPathFor(artifact), artifact, sidecar, Artifacts.PartialPathFor(sidecar) })
        {
            if (File.Exists(file))
            {
                Artifacts.DeleteQuietly(file);
                removed++;
            }
        }

        var exports = CompanionExports.DirectoryFor(artifact);
        if (Directory.Exists(exports))
        {
            Directory.Delete(exports, recursive: true);
            removed++;
        }

        return removed;
    }

    /// <summary>Partial files in this agent's database directories that nobody has written to for <see cref="StalePartialAge"/>.</summary>
    private int SweepStalePartials(DateTimeOffset now)
    {
        var removed = 0;
        foreach (var database in options.Databases)
        {
            var directory = Artifacts.DirectoryFor(options.Repository, database.Environment, database.Name);
            if (!Directory.Exists(directory))
            {
                continue;
            }

            foreach (var partial in Directory.EnumerateFiles(directory, ".*" + Artifacts.PartialSuffix))
            {
                if (now - File.GetLastWriteTimeUtc(partial) > StalePartialAge)
                {
                    Artifacts.DeleteQuietly(partial);
                    removed++;
                }
            }
        }

        return removed;
    }
}
