using Ledger.Agent.Recovery;
using Ledger.Contracts.Backups;

namespace Ledger.Agent.Backups;

/// <summary>
/// A backup in three durable steps, each reporting to the ledger as soon as it ends:
/// accept (BackupStarted) -> dump (BackupTaken | BackupFailed) -> verify (BackupVerified | BackupVerificationFailed)
/// -> copy to each further repository (BackupCopied | BackupCopyFailed, one per copy).
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

    public static Task<object[]> Handle(VerifyBackup step, BackupVerifier verifier, AgentOptions agent, OperationJournal journal, TimeProvider clock,
        CancellationToken ct) =>
        journal.RunOnceAsync(Steps.Verify, step.Taken.BackupId, Phases.Verification, step, clock, async _ =>
        {
            await FailPoints.ReachAsync(Phases.Verification);
            var outcome = await verifier.VerifyAsync(step.Taken, ct);
            return outcome is BackupVerified verified && agent.Copies.Count > 0 ? [verified, new CopyBackup(step.Taken, verified.VerifiedAt)] : [outcome];
        });

    public static async Task<object[]> Handle(CopyBackup step, BackupCopier copier, CancellationToken ct) =>
        [.. await copier.CopyAsync(step.Taken, step.VerifiedAt, ct)];
}
