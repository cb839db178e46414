using Ledger.Agent.Recovery;
using Ledger.Contracts.Restores;

namespace Ledger.Agent.Restores;

/// <summary>
/// A restore in durable steps, each reporting to the ledger as soon as it ends:
/// accept (RestoreStarted) -> prepare (WritesBlocked | RestoreFailed) -> pg_restore (RestoreCompleted | RestoreFailed)
/// -> verify (ProjectionsRebuilt | ProjectionRebuildSkipped, then VerificationPassed | VerificationFailed).
/// A plan is one step: RestorePlanned (or RestoreFailed at stage "plan").
/// </summary>
public static class RestoreHandler
{
    public static IEnumerable<object> Handle(RestoreBackup request, AgentOptions agent, DateTimeOffset now)
    {
        if (agent.Find(request.Target.Environment, request.Target.HostDatabase) is null)
        {
            yield return new RestoreFailed(request.RestoreId, agent.Id, RestoreStages.Accept,
                $"Agent '{agent.Id}' does not manage database '{request.Target.HostDatabase}' in environment '{request.Target.Environment}'.",
                null, TargetTouched: false, 0, now);
            yield break;
        }

        if (now - request.RequestedAt > RestoreTimings.MaxQueueAge)
        {
            yield return new RestoreFailed(request.RestoreId, agent.Id, RestoreStages.Accept,
                $"The request waited {(now - request.RequestedAt).TotalMinutes:0} minutes for an agent (at most {RestoreTimings.MaxQueueAge.TotalMinutes:0} are allowed); a restore that late is not run: request it again.",
                null, TargetTouched: false, 0, now);
            yield break;
        }

        yield return new RestoreStarted(request.RestoreId, agent.Id, now);
        yield return new PrepareRestore(request, now);
    }

    // Each step runs at most once per restore id (OperationJournal): a redelivered step replays what it reported, and one
    // the agent died in replays the failure recovery reported, so a target is never closed twice (nor its LIMIT 0 taken
    // for its previous setting) and no pg_restore runs twice.
    public static Task<object[]> Handle(PrepareRestore step, RestoreRunner runner, OperationJournal journal, TimeProvider clock, CancellationToken ct) =>
        journal.RunOnceAsync(Steps.Prepare, step.Request.RestoreId, Phases.ArtifactCheck, step, clock, progress => runner.PrepareAsync(step, ct, progress));

    public static Task<object[]> Handle(RunPgRestore step, RestoreRunner runner, OperationJournal journal, TimeProvider clock, CancellationToken ct) =>
        journal.RunOnceAsync(Steps.PgRestore, step.Request.RestoreId, Phases.MidPgRestore, step, clock, progress => runner.RunAsync(step, ct, progress));

    public static Task<object[]> Handle(VerifyRestore step, RestoreVerifier verifier, OperationJournal journal, TimeProvider clock, CancellationToken ct) =>
        journal.RunOnceAsync(Steps.VerifyRestore, step.Request.RestoreId, Phases.PostRestoreVerification, step, clock, async _ =>
        {
            await FailPoints.ReachAsync(Phases.PostRestoreVerification);
            return await verifier.VerifyAsync(step, ct);
        });

    public static Task<object[]> Handle(PlanRestore request, RestorePlanner planner, OperationJournal journal, TimeProvider clock, CancellationToken ct) =>
        journal.RunOnceAsync(Steps.Plan, request.RestoreId, Phases.Plan, request, clock, async _ =>
        {
            await FailPoints.ReachAsync(Phases.Plan);
            return [await planner.PlanAsync(request, ct)];
        });
}
