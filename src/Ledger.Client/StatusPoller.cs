namespace Ledger.Client;

/// <summary>The last answer seen while waiting, and whether the wait ran out before it was final.</summary>
public sealed record PollResult<T>(T? Last, bool TimedOut) where T : class;

/// <summary>
/// The one way DgLedger waits for something the ledger reports (a backup, a restore, a gate, a drill): fetch until the
/// answer is final or the timeout passes, telling the caller each time its status changes. Polls quickly at first and
/// backs off to once a second.
/// </summary>
public static class StatusPoller
{
    public static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait a timer can express (about 49.7 days); longer timeouts are capped to it, not an error.</summary>
    public static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <param name="fetch">One read of the current state.</param>
    /// <param name="isFinal">True when there is nothing left to wait for.</param>
    /// <param name="status">What counts as a change worth reporting.</param>
    /// <param name="changed">Called with the first answer and with every answer whose status differs from the one before.</param>
    /// <param name="first">An answer already in hand (e.g. the one a POST returned); polling starts after it.</param>
    public static async Task<PollResult<T>> WaitAsync<T>(
        Func<CancellationToken, Task<T>> fetch,
        Func<T, bool> isFinal,
        Func<T, string> status,
        Action<T>? changed,
        TimeSpan timeout,
        TimeProvider time,
        CancellationToken cancellation,
        T? first = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(fetch);
        using var deadline = new CancellationTokenSource(timeout > LongestWait ? LongestWait : timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, deadline.Token);
        var interval = FirstInterval;
        T? last = null;
        var current = first;

        try
        {
            while (true)
            {
                current ??= await fetch(linked.Token);
                if (last is null || status(current) != status(last))
                {
                    changed?.Invoke(current);
                }

                last = current;
                current = null;
                if (isFinal(last))
                {
                    return new PollResult<T>(last, TimedOut: false);
                }

                await Task.Delay(interval, time, linked.Token);
                interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, MaxInterval.Ticks));
            }
        }
        catch (Exception) when (deadline.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            return new PollResult<T>(last, TimedOut: true);
        }
    }
}
