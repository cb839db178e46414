using Ledger.Contracts.Backups;
using Wolverine.Marten;

namespace Ledger.Api.Backups;

/// <summary>
/// Agents report what happened to a backup on the ledger queue; each report is appended to the backup's stream
/// if the stream is in a state that accepts it. A redelivered or late report appends nothing.
/// </summary>
public static class BackupReportsHandler
{
    [AggregateHandler]
    public static IEnumerable<object> Handle(BackupStarted report, Backup backup)
    {
        if (backup.Status == BackupStatuses.Requested)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static IEnumerable<object> Handle(BackupTaken report, Backup backup)
    {
        if (backup.IsRunnable)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static IEnumerable<object> Handle(BackupFailed report, Backup backup)
    {
        if (backup.IsRunnable)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static IEnumerable<object> Handle(BackupVerified report, Backup backup)
    {
        if (backup.Status == BackupStatuses.Taken)
        {
            yield return report;
        }
    }

    [AggregateHandler]
    public static IEnumerable<object> Handle(BackupVerificationFailed report, Backup backup)
    {
        if (backup.Status == BackupStatuses.Taken)
        {
            yield return report;
        }
    }
}
