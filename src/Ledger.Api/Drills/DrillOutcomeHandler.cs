using JasperFx;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Marten;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;
using Wolverine.Runtime.Handlers;

namespace Ledger.Api.Drills;

/// <summary>
/// Reacts to the end of a drill's restore (<see cref="RestoreFinished"/>): DrillCompleted with RTO, RPO, checks and
/// manual steps when the restore ran and verification gave a verdict, DrillFailed otherwise; then, unless the drill
/// keeps its target, asks the target environment's agent to drop it (<see cref="DropDrillTarget"/>). Decided on the
/// <see cref="Drill"/> write model, appended at the version it was read at: of two outcomes handled at once, one wins,
/// the other is retried, finds the drill decided and appends nothing; a redelivered or late report changes nothing.
/// </summary>
public static class DrillOutcomeHandler
{
    /// <summary>A concurrent outcome of the same drill moved its version: read it again (it is then decided).</summary>
    public static void Configure(HandlerChain chain) =>
        chain.OnException<ConcurrencyException>().RetryWithCooldown(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1));

    /// <summary>The pure decision: the event to append (null when the drill is already decided) and the drop to ask for.</summary>
    public static (object? Outcome, DropDrillTarget? Drop) Decide(RestoreFinished message, Drill drill, RestoreView? restore)
    {
        if (drill.IsFinal)
        {
            return (null, null);
        }

        var ran = message.Status is RestoreStatus.Verified or RestoreStatus.VerificationFailed;
        var touched = ran || restore?.TargetTouched == true || restore?.TargetCreated == true;
        var (code, detail, drop) = TargetOutcome(drill, restore, touched, message.FinishedAt);
        if (ran)
        {
            var rto = (message.RestoreDurationMs ?? 0) + (message.VerificationDurationMs ?? 0);
            var rpo = drill.BackupSnapshotAt is { } snapshot ? (long)Math.Max(0, (drill.StartedAt - snapshot).TotalSeconds) : 0;
            return (new DrillCompleted(drill.Id, message.RestoreId, message.Status == RestoreStatus.Verified, rto, rpo,
                restore?.Checks ?? [], drill.ManualSteps, code, message.FinishedAt, detail), drop);
        }

        return (new DrillFailed(drill.Id, message.RestoreId, DrillStages.Restore,
            $"restore {message.Status}: {message.Reason ?? "no reason given"}", message.FinishedAt, code, detail), drop);
    }

    /// <summary>
    /// What becomes of the drill target: kept on request; never dropped when it is a managed (or primary) database;
    /// left alone when the restore never touched it; kept when it existed before the drill; otherwise (the drill's
    /// restore created it) dropped by the agent of the environment it is in.
    /// </summary>
    public static (DrillTargetOutcome Code, string Detail, DropDrillTarget? Drop) TargetOutcome(Drill drill, RestoreView? restore,
        bool touched, DateTimeOffset now)
    {
        if (drill.Keep)
        {
            return (DrillTargetOutcome.Kept, DrillTargetOutcomes.Describe(DrillTargetOutcome.Kept, drill.TargetEnvironment, drill.TargetDatabase), null);
        }

        if (restore is null || restore.TargetManaged || restore.TargetRole == DatabaseRoles.Primary)
        {
            return (DrillTargetOutcome.KeptManaged,
                DrillTargetOutcomes.KeptManaged(restore?.Environment ?? drill.TargetEnvironment, drill.TargetDatabase), null);
        }

        if (!touched)
        {
            return (DrillTargetOutcome.Untouched, DrillTargetOutcomes.Untouched, null);
        }

        // Only a database the drill's restore created (WritesBlocked.TargetCreated) is dropped; the agent checks again,
        // by the marker it wrote when it created it (DropDrillTargetHandler).
        if (restore.TargetCreated != true)
        {
            return (DrillTargetOutcome.Kept, DrillTargetOutcomes.NotCreated(restore.Environment, restore.TargetDatabase), null);
        }

        var target = new RestoreTarget(restore.Environment, restore.TargetDatabase, restore.HostDatabase, restore.TargetRole, Managed: false);
        return (DrillTargetOutcome.Dropping, $"the ledger asked the agents of '{restore.Environment}' to drop it",
            new DropDrillTarget(drill.Id, target, now, restore.Id));
    }

    public static async Task<OutgoingMessages> Handle(RestoreFinished message, IDocumentSession session, CancellationToken ct)
    {
        var outgoing = new OutgoingMessages();
        // The write model at its current version; SaveChanges fails if another outcome was appended since.
        var stream = await session.Events.FetchForWriting<Drill>(message.DrillId, ct);
        if (stream.Aggregate is not { } drill)
        {
            return outgoing;
        }

        var restore = await session.LoadAsync<RestoreView>(message.RestoreId, ct);
        var (outcome, drop) = Decide(message, drill, restore);
        if (outcome is not null)
        {
            stream.AppendOne(outcome);
            if (drop is not null)
            {
                outgoing.ToDestination(drop, Queues.UriFor(drop.Target.Environment));
            }
        }

        return outgoing;
    }

    /// <summary>The agent's answer to <see cref="DropDrillTarget"/>: appended once, while the drill waits for it.</summary>
    [AggregateHandler]
    public static IEnumerable<object> Handle(DrillTargetDropped report, Drill drill)
    {
        if (drill.TargetPending)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static IEnumerable<object> Handle(DrillTargetDropFailed report, Drill drill)
    {
        if (drill.TargetPending)
        {
            yield return report;
        }
    }
}
