using Ledger.Contracts.Common;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Marten;
using Wolverine;

namespace Ledger.Api.Drills;

/// <summary>
/// Reacts to the end of a drill's restore (<see cref="RestoreFinished"/>): DrillCompleted with RTO, RPO, checks and
/// manual steps when the restore ran and verification gave a verdict, DrillFailed otherwise; then, unless the drill
/// keeps its target, asks the target environment's agent to drop it (<see cref="DropDrillTarget"/>). A drill already
/// decided is left alone, so redelivery changes nothing.
/// </summary>
public static class DrillOutcomeHandler
{
    /// <summary>The pure decision: the event to append (null when the drill is already decided) and the drop to ask for.</summary>
    public static (object? Outcome, DropDrillTarget? Drop) Decide(RestoreFinished message, DrillView drill, RestoreView? restore)
    {
        if (drill.Status.IsFinal())
        {
            return (null, null);
        }

        var ran = message.Status is RestoreStatus.Verified or RestoreStatus.VerificationFailed;
        var touched = ran || restore?.TargetTouched == true || restore?.TargetCreated == true;
        var (targetOutcome, drop) = TargetOutcome(drill, restore, touched, message.FinishedAt);
        if (ran)
        {
            var rto = (message.RestoreDurationMs ?? 0) + (message.VerificationDurationMs ?? 0);
            var rpo = drill.BackupSnapshotAt is { } snapshot ? (long)Math.Max(0, (drill.StartedAt - snapshot).TotalSeconds) : 0;
            return (new DrillCompleted(drill.Id, message.RestoreId, message.Status == RestoreStatus.Verified, rto, rpo,
                restore?.Checks ?? [], drill.ManualSteps, targetOutcome, message.FinishedAt), drop);
        }

        return (new DrillFailed(drill.Id, message.RestoreId, DrillStages.Restore,
            $"restore {message.Status.ToWire()}: {message.Reason ?? "no reason given"}", message.FinishedAt, targetOutcome), drop);
    }

    /// <summary>
    /// What becomes of the drill target: kept on request; never dropped when it is a managed (or primary) database;
    /// left alone when the restore never touched it; otherwise dropped by the agent.
    /// </summary>
    public static (string Outcome, DropDrillTarget? Drop) TargetOutcome(DrillView drill, RestoreView? restore, bool touched,
        DateTimeOffset now)
    {
        if (drill.Keep)
        {
            return (DrillTargets.KeptOnRequest, null);
        }

        if (restore is null || restore.TargetManaged || restore.TargetRole == DatabaseRoles.Primary)
        {
            return (DrillTargets.KeptManaged(restore?.Environment ?? drill.Environment, drill.TargetDatabase), null);
        }

        if (!touched)
        {
            return (DrillTargets.Untouched, null);
        }

        var target = new RestoreTarget(restore.Environment, restore.TargetDatabase, restore.HostDatabase, restore.TargetRole, Managed: false);
        return (DrillTargets.Dropping, new DropDrillTarget(drill.Id, target, now));
    }

    public static async Task<OutgoingMessages> Handle(RestoreFinished message, IDocumentSession session, CancellationToken ct)
    {
        var outgoing = new OutgoingMessages();
        var drill = await session.LoadAsync<DrillView>(message.DrillId, ct);
        if (drill is null)
        {
            return outgoing;
        }

        var restore = await session.LoadAsync<RestoreView>(message.RestoreId, ct);
        var (outcome, drop) = Decide(message, drill, restore);
        if (outcome is not null)
        {
            session.Events.Append(drill.Id, outcome);
            if (drop is not null)
            {
                outgoing.ToDestination(drop, Queues.UriFor(drop.Target.Environment));
            }
        }

        return outgoing;
    }

    /// <summary>The agent's answer to <see cref="DropDrillTarget"/>: appended once, while the drill waits for it.</summary>
    public static async Task Handle(DrillTargetDropped report, IDocumentSession session, CancellationToken ct) =>
        await AppendWhilePendingAsync(session, report.DrillId, report, ct);

    public static async Task Handle(DrillTargetDropFailed report, IDocumentSession session, CancellationToken ct) =>
        await AppendWhilePendingAsync(session, report.DrillId, report, ct);

    private static async Task AppendWhilePendingAsync(IDocumentSession session, Guid drillId, object report, CancellationToken ct)
    {
        var drill = await session.LoadAsync<DrillView>(drillId, ct);
        if (drill is not null && DrillTargets.IsPending(drill.TargetOutcome))
        {
            session.Events.Append(drillId, report);
        }
    }
}
