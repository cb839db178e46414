namespace Ledger.Api.Agents;

/// <summary>
/// Clock skew between an agent and the ledger (pure): measured from heartbeats (sent-at on the agent's clock against
/// received-at on the ledger's) and kept out of every decision about freshness, which the ledger takes on its own clock.
/// </summary>
public static class ClockSkew
{
    /// <summary>The agent's clock minus the ledger's, in seconds (rounded to milliseconds).</summary>
    public static double OffsetSeconds(DateTimeOffset sentAt, DateTimeOffset receivedAt) =>
        Math.Round((sentAt - receivedAt).TotalSeconds, 3);

    /// <summary>
    /// When a backup's data is from, on the ledger's clock: the agent's start time, but never later than the moment the
    /// ledger received the finished backup less the dump's own duration (a duration needs no synchronised clock). An
    /// agent running ahead therefore cannot make a backup look fresher than it is; one running behind makes it look older.
    /// </summary>
    public static DateTimeOffset SnapshotOnLedgerClock(DateTimeOffset startedAt, DateTimeOffset finishedAt, DateTimeOffset receivedAt)
    {
        var duration = finishedAt > startedAt ? finishedAt - startedAt : TimeSpan.Zero;
        var latest = receivedAt - duration;
        return startedAt < latest ? startedAt : latest;
    }
}
