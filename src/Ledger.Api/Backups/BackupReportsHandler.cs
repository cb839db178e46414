using Ledger.Contracts.Backups;
using Ledger.Contracts.Gates;
using Wolverine;
using Wolverine.Marten;

namespace Ledger.Api.Backups;

/// <summary>
/// Agents report what happened to a backup on the ledger queue; each report is appended to the backup's stream
/// if the stream is in a state that accepts it. A redelivered or late report appends nothing. When a backup a gate
/// asked for ends, the gate is told.
/// </summary>
public static class BackupReportsHandler
{
    [AggregateHandler]
    public static IEnumerable<object> Handle(BackupStarted report, Backup backup)
    {
        if (backup.Status == BackupStatus.Requested)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static IEnumerable<object> Handle(BackupTaken report, Backup backup, DateTimeOffset now)
    {
        if (backup.IsRunnable)
        {
            // Decided on the ledger's clock: an agent whose clock runs ahead cannot make its backup look fresher.
            yield return report with { SnapshotAtLedgerClock = Agents.ClockSkew.SnapshotOnLedgerClock(report.StartedAt, report.FinishedAt, now) };
        }
    }

    [AggregateHandler]
    public static (Events, OutgoingMessages) Handle(BackupFailed report, Backup backup) =>
        backup.IsRunnable
            ? Ended(backup, report, verified: false, report.Reason, report.FailedAt)
            : ([], []);

    [AggregateHandler]
    public static (Events, OutgoingMessages) Handle(BackupVerified report, Backup backup) =>
        backup.Status == BackupStatus.Taken
            ? Ended(backup, report, verified: true, null, report.VerifiedAt)
            : ([], []);

    [AggregateHandler]
    public static (Events, OutgoingMessages) Handle(BackupVerificationFailed report, Backup backup) =>
        backup.Status == BackupStatus.Taken
            ? Ended(backup, report, verified: false, report.Reason, report.FailedAt)
            : ([], []);

    /// <summary>A copy is recorded while the backup it copies stands (taken or verified), never after it expired or failed.</summary>
    [AggregateHandler]
    public static IEnumerable<object> Handle(BackupCopied report, Backup backup)
    {
        if (backup.Status is BackupStatus.Taken or BackupStatus.Verified)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static IEnumerable<object> Handle(BackupCopyFailed report, Backup backup)
    {
        if (backup.Status is BackupStatus.Taken or BackupStatus.Verified)
        {
            yield return report;
        }
    }

    private static (Events, OutgoingMessages) Ended(Backup backup, object report, bool verified, string? reason, DateTimeOffset at)
    {
        var outgoing = new OutgoingMessages();
        if (backup.GateId is { } gateId)
        {
            outgoing.Add(new GateBackupFinished(gateId, backup.Id, verified, reason, backup.SnapshotAt ?? at, at));
        }

        return ([report], outgoing);
    }
}
