using Ledger.Contracts.Restores;
using Wolverine;
using Wolverine.Marten;

namespace Ledger.Api.Restores;

/// <summary>
/// Agents report what happened to a restore on the ledger queue; each report is appended to the restore's stream if
/// the stream is in a state that accepts it, so a redelivered or late report appends nothing. When a restore a drill
/// asked for ends, the drill is told (<see cref="RestoreFinished"/>).
/// </summary>
public static class RestoreReportsHandler
{
    [AggregateHandler]
    public static IEnumerable<object> Handle(RestoreStarted report, Restore restore)
    {
        if (!restore.Plan && restore.Status == RestoreStatus.Requested)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static IEnumerable<object> Handle(WritesBlocked report, Restore restore)
    {
        if (!restore.Plan && restore.Status == RestoreStatus.Running)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static IEnumerable<object> Handle(RestoreCompleted report, Restore restore)
    {
        if (!restore.Plan && restore.Status is RestoreStatus.Running or RestoreStatus.WritesBlocked)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static (Events, OutgoingMessages) Handle(RestoreFailed report, Restore restore) =>
        restore.IsRestoring || (restore.Plan && restore.Status == RestoreStatus.Requested)
            ? Ended(restore, report, RestoreStatus.Failed, $"{report.Stage}: {report.Reason}", report.DurationMs, null, report.FailedAt)
            : ([], []);

    [AggregateHandler]
    public static IEnumerable<object> Handle(RestorePlanned report, Restore restore)
    {
        if (restore.Plan && restore.Status == RestoreStatus.Requested)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static IEnumerable<object> Handle(ProjectionsRebuilt report, Restore restore)
    {
        if (restore.Status == RestoreStatus.Verifying && !restore.RebuildRecorded)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static IEnumerable<object> Handle(ProjectionRebuildSkipped report, Restore restore)
    {
        if (restore.Status == RestoreStatus.Verifying && !restore.RebuildRecorded)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static (Events, OutgoingMessages) Handle(VerificationPassed report, Restore restore) =>
        restore.Status == RestoreStatus.Verifying
            ? Ended(restore, report, RestoreStatus.Verified, null, restore.DurationMs, report.DurationMs, report.VerifiedAt)
            : ([], []);

    [AggregateHandler]
    public static (Events, OutgoingMessages) Handle(VerificationFailed report, Restore restore) =>
        restore.Status == RestoreStatus.Verifying
            ? Ended(restore, report, RestoreStatus.VerificationFailed, report.Reason, restore.DurationMs, report.DurationMs, report.FailedAt)
            : ([], []);

    private static (Events, OutgoingMessages) Ended(Restore restore, object report, RestoreStatus status, string? reason,
        long? restoreMs, long? verificationMs, DateTimeOffset at)
    {
        var outgoing = new OutgoingMessages();
        if (restore.DrillId is { } drillId)
        {
            outgoing.Add(new RestoreFinished(drillId, restore.Id, status, reason, restoreMs, verificationMs, at));
        }

        return ([report], outgoing);
    }
}
