using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Marten;

namespace Ledger.Api.Drills;

/// <summary>
/// Reacts to the end of a drill's restore (<see cref="RestoreFinished"/>): DrillCompleted with RTO, RPO, checks and
/// manual steps when the restore ran and verification gave a verdict, DrillFailed otherwise. A drill already decided
/// is left alone, so redelivery changes nothing.
/// </summary>
public static class DrillOutcomeHandler
{
    /// <summary>The pure decision: the event to append for this outcome, or null when the drill is already decided.</summary>
    public static object? Decide(RestoreFinished message, DrillView drill, RestoreView? restore)
    {
        if (DrillStatuses.IsFinal(drill.Status))
        {
            return null;
        }

        if (message.Status is RestoreStatuses.Verified or RestoreStatuses.VerificationFailed)
        {
            var rto = (message.RestoreDurationMs ?? 0) + (message.VerificationDurationMs ?? 0);
            var rpo = drill.BackupSnapshotAt is { } snapshot ? (long)Math.Max(0, (drill.StartedAt - snapshot).TotalSeconds) : 0;
            var target = drill.Keep ? DrillTargets.KeptOnRequest : DrillTargets.DropNotImplemented;
            return new DrillCompleted(drill.Id, message.RestoreId, message.Status == RestoreStatuses.Verified, rto, rpo,
                restore?.Checks ?? [], drill.ManualSteps, target, message.FinishedAt);
        }

        return new DrillFailed(drill.Id, message.RestoreId, DrillStages.Restore,
            $"restore {message.Status}: {message.Reason ?? "no reason given"}", message.FinishedAt);
    }

    public static async Task Handle(RestoreFinished message, IDocumentSession session, CancellationToken ct)
    {
        var drill = await session.LoadAsync<DrillView>(message.DrillId, ct);
        if (drill is null)
        {
            return;
        }

        var restore = await session.LoadAsync<RestoreView>(message.RestoreId, ct);
        if (Decide(message, drill, restore) is { } outcome)
        {
            session.Events.Append(drill.Id, outcome);
        }
    }
}
