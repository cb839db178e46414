using Ledger.Contracts.Agents;
using Npgsql;
using Wolverine;

namespace Ledger.Agent.Recovery;

/// <summary>
/// The agent's reports outlive an outage of the ledger's database. That database also holds the agent's outbox
/// (<c>Agent:MessageSchema</c>) and the queues, so while it is unreachable Wolverine cannot persist what a step sends:
/// after its few write retries it logs "Unable to send outgoing message ... discarded" and the report is gone (and so is
/// the next step's command). The journal, on the agent's own disk, still holds each finished step's outcome. This service
/// probes the ledger's database every <see cref="ProbeInterval"/>; when it answers again after failing, every outcome of
/// a step that finished since shortly before the outage began is sent again: the reports (the ledger appends a report only
/// if the stream's state accepts it, so one that did arrive appends nothing), and a next step's command whose step never
/// began (a redelivered step replays its journal entry, so nothing runs twice).
/// </summary>
public sealed class ReportRedelivery(OperationJournal journal, IMessageBus bus, TimeProvider clock, IHostApplicationLifetime lifetime,
    ILogger<ReportRedelivery> log, string ledgerConnection) : BackgroundService
{
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(5);

    /// <summary>Steps finished this long before the last good probe are sent again too (their sends may have failed unseen).</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task;
        }

        var lastReachable = clock.GetUtcNow();
        DateTimeOffset? downSince = null;
        using var timer = new PeriodicTimer(ProbeInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!await ReachableAsync(stoppingToken))
            {
                if (downSince is null)
                {
                    downSince = lastReachable;
                    log.LogWarning("The ledger's database is unreachable (last answered {At:O}); reports of steps finished meanwhile are kept in the journal",
                        lastReachable);
                }

                continue;
            }

            if (downSince is { } since)
            {
                try
                {
                    var (steps, sent) = await ResendAsync(since - Margin, stoppingToken);
                    log.LogInformation("The ledger's database answers again after {Seconds:0} s: {Sent} report(s) and step(s) of {Steps} finished step(s) sent again",
                        (clock.GetUtcNow() - since).TotalSeconds, sent, steps);
                    downSince = null;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    log.LogWarning("Reports kept during the ledger's outage not sent yet: {Reason}", e.Message);
                    continue;
                }
            }

            lastReachable = clock.GetUtcNow();
        }
    }

    /// <summary>Sends again what the steps finished since <paramref name="since"/> sent; returns (steps, messages).</summary>
    public async Task<(int Steps, int Sent)> ResendAsync(DateTimeOffset since, CancellationToken ct)
    {
        var entries = journal.All();
        var (steps, sent) = (0, 0);
        foreach (var entry in entries.Where(e => e.UpdatedAt >= since && e.Status is StepStatus.Done or StepStatus.Interrupted && e.Step != Steps.Hold))
        {
            steps++;
            var nextStepBegan = entries.Any(e => e.Id == entry.Id && e.Step != entry.Step && e.Step != Steps.Hold && e.StartedAt > entry.StartedAt);
            foreach (var message in OperationJournal.Replay(entry).Where(m => ShouldResend(m, nextStepBegan)))
            {
                ct.ThrowIfCancellationRequested();
                await bus.PublishAsync(message);
                sent++;
            }
        }

        return (steps, sent);
    }

    /// <summary>
    /// A report always (the ledger's state guards make a second copy harmless); a next step's command only if that step never
    /// began. A copy is the exception: it is not journalled, so whether it ran cannot be told, and it is not sent again.
    /// </summary>
    public static bool ShouldResend(object message, bool nextStepBegan) =>
        message is IAgentReport || !nextStepBegan && message is not Backups.CopyBackup;

    private async Task<bool> ReachableAsync(CancellationToken ct)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(ledgerConnection) { Pooling = false, Timeout = 3 };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("select 1", connection) { CommandTimeout = 3 };
            await command.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
