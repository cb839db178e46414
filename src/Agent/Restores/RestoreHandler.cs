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

    public static Task<object[]> Handle(PrepareRestore step, RestoreRunner runner, CancellationToken ct) => runner.PrepareAsync(step, ct);

    public static Task<object[]> Handle(RunPgRestore step, RestoreRunner runner, CancellationToken ct) => runner.RunAsync(step, ct);

    public static Task<object[]> Handle(VerifyRestore step, RestoreVerifier verifier, CancellationToken ct) => verifier.VerifyAsync(step, ct);

    public static Task<object> Handle(PlanRestore request, RestorePlanner planner, CancellationToken ct) => planner.PlanAsync(request, ct);
}
