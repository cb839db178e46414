using Ledger.Agent.Recovery;
using Ledger.Contracts.Backups;

namespace Ledger.Agent.Backups;

/// <summary>
/// A backup in three durable steps, each reporting to the ledger as soon as it ends:
/// accept (BackupStarted) -> dump (BackupTaken | BackupFailed) -> verify (BackupVerified | BackupVerificationFailed).
/// </summary>
public static class TakeBackupHandler
{
    public static IEnumerable<object> Handle(TakeBackup request, AgentOptions agent, DateTimeOffset now)
    {
        if (agent.Find(request.Environment, request.Database) is null)
        {
            yield return new BackupFailed(request.BackupId, agent.Id, agent.DoesNotManage(request.Environment, request.Database), null, now);
            yield break;
        }

        yield return new BackupStarted(request.BackupId, agent.Id, now);
        yield return new DumpDatabase(request);
    }

    /// <summary>The dump, at most once per backup id (a redelivered step replays what the first one reported).</summary>
    public static Task<object[]> Handle(DumpDatabase step, BackupTaker taker, OperationJournal journal, TimeProvider clock, CancellationToken ct) =>
        journal.RunOnceAsync(Steps.Dump, step.Request.BackupId, Phases.SnapshotExport, step, clock, async progress =>
        {
            var outcome = await taker.TakeAsync(step.Request, ct, progress);
            return outcome is BackupTaken taken ? [taken, new VerifyBackup(taken)] : [outcome];
        });

    public static Task<object[]> Handle(VerifyBackup step, BackupVerifier verifier, OperationJournal journal, TimeProvider clock, CancellationToken ct) =>
        journal.RunOnceAsync(Steps.Verify, step.Taken.BackupId, Phases.Verification, step, clock, async _ =>
        {
            await FailPoints.ReachAsync(Phases.Verification);
            return [await verifier.VerifyAsync(step.Taken, ct)];
        });
}
