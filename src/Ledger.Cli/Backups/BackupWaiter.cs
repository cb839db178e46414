using Ledger.Client;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Ledger.Contracts.Backups;

namespace Ledger.Cli.Backups;

/// <summary>The last answer seen while waiting, and whether the wait ran out before the backup finished.</summary>
internal sealed record WaitResult(BackupDetail? Last, bool TimedOut);

/// <summary>
/// Polls a backup until its status is final (<see cref="BackupStatuses.IsFinal"/>) or the timeout passes, reporting
/// each status change on the progress writer. Polls quickly at first and backs off to once a second.
/// </summary>
internal static class BackupWaiter
{
    public static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(1);

    public static async Task<WaitResult> WaitAsync(
        ILedgerClient ledger, Guid id, TimeSpan timeout, TimeProvider time, TextWriter progress, CancellationToken cancellation)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, deadline.Token);
        var started = time.GetTimestamp();
        var interval = FirstInterval;
        BackupDetail? last = null;

        try
        {
            while (true)
            {
                var detail = await ledger.GetBackupAsync(id, linked.Token);
                if (detail.Backup.Status != last?.Backup.Status)
                {
                    progress.WriteLine(Describe(detail.Backup, time.GetElapsedTime(started)));
                }

                last = detail;
                if (BackupStatuses.IsFinal(detail.Backup.Status))
                {
                    return new WaitResult(detail, TimedOut: false);
                }

                await Task.Delay(interval, time, linked.Token);
                interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, MaxInterval.Ticks));
            }
        }
        catch (Exception) when (deadline.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            return new WaitResult(last, TimedOut: true);
        }
    }

    /// <summary>A progress line: <c>backup 3f2a9c1e: running on agent-1 (2s)</c>.</summary>
    public static string Describe(RestorePoint backup, TimeSpan elapsed)
    {
        var what = backup.Status switch
        {
            BackupStatuses.Running when backup.AgentId is { } agent => $"running on {agent}",
            BackupStatuses.Taken => $"taken, {Humanize.Size(backup.SizeBytes)} in {Humanize.Duration(backup.DurationMs)}; verifying",
            BackupStatuses.Failed or BackupStatuses.VerificationFailed when backup.FailureReason is { } reason => $"{backup.Status}: {reason}",
            var status => status,
        };
        return $"backup {Humanize.ShortId(backup.Id)}: {what} ({Humanize.Age(elapsed)})";
    }
}
