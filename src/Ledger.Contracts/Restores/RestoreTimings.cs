namespace Ledger.Contracts.Restores;

public static class RestoreTimings
{
    /// <summary>How long a restore request may wait in its queue before agents refuse to run it.</summary>
    public static readonly TimeSpan MaxQueueAge = TimeSpan.FromHours(1);
}
