namespace Ledger.Agent.Recovery;

/// <summary>A fail point held in this process (<see cref="FailPoints.Hold"/>): what reaches it waits until <see cref="Release"/>.</summary>
public sealed class FailPointHold : IDisposable
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action _remove;

    internal FailPointHold(Action remove) => _remove = remove;

    /// <summary>Completes when an operation has reached the fail point (and is waiting).</summary>
    public Task Reached => _reached.Task;

    internal Task ReachAsync()
    {
        _reached.TrySetResult();
        return _released.Task;
    }

    /// <summary>Lets the waiting operation (and any later one) go on; the hold is gone.</summary>
    public void Release()
    {
        _remove();
        _released.TrySetResult();
    }

    public void Dispose() => Release();
}
