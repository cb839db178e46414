using Ledger.Client;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Ledger.Contracts.Restores;

namespace Ledger.Cli.Restores;

/// <summary>The last view seen while waiting, and whether the wait ran out before the restore (or plan) finished.</summary>
internal sealed record RestoreWait(RestoreView? Last, bool TimedOut);

/// <summary>
/// Polls a restore until its status is final (<see cref="RestoreStatuses.IsFinal"/>) or the timeout passes, reporting
/// each status change on the progress writer. Polls quickly at first and backs off to once a second.
/// </summary>
internal static class RestoreWaiter
{
    public static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(1);

    public static async Task<RestoreWait> WaitAsync(ILedgerClient ledger, Guid id, TimeSpan timeout, TimeProvider time,
        TextWriter progress, CancellationToken cancellation)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, deadline.Token);
        var started = time.GetTimestamp();
        var interval = FirstInterval;
        RestoreView? last = null;
        try
        {
            while (true)
            {
                var view = await ledger.GetRestoreAsync(id, linked.Token);
                if (view.Status != last?.Status)
                {
                    progress.WriteLine(RestoreViews.Progress(view, time.GetElapsedTime(started)));
                }

                last = view;
                if (RestoreStatuses.IsFinal(view.Status))
                {
                    return new RestoreWait(view, TimedOut: false);
                }

                await Task.Delay(interval, time, linked.Token);
                interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, MaxInterval.Ticks));
            }
        }
        catch (Exception) when (deadline.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            return new RestoreWait(last, TimedOut: true);
        }
    }
}
