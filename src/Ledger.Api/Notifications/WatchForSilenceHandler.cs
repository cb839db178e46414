using Ledger.Api.Drills;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Notifications;
using Marten;
using Wolverine;

namespace Ledger.Api.Notifications;

/// <summary>What the watch last announced for one key (an agent's silence, a database's overdue drill).</summary>
public sealed record NotificationMarker(string Id, DateTimeOffset Value);

/// <summary>
/// The notifications no event raises: an agent that stopped sending heartbeats, and a database whose drill is overdue
/// (no passed drill within <c>Drills:CadenceDays</c>). Each is announced once per occurrence: a marker remembers the
/// heartbeat (or the last passed drill) it was announced for.
/// </summary>
public static class WatchForSilenceHandler
{
    public static async Task<OutgoingMessages> Handle(WatchForSilence watch, IDocumentSession session, LedgerOptions ledger,
        IConfiguration configuration, CancellationToken ct)
    {
        var outgoing = new OutgoingMessages();
        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        var cadence = TimeSpan.FromDays(DrillOptions.From(configuration).CadenceDays);

        foreach (var agent in agents.Where(a => watch.Now - a.LastHeartbeat > ledger.AgentTimeout))
        {
            if (await Announce(session, $"agent-silent:{agent.Id}", agent.LastHeartbeat, ct) is { } id)
            {
                foreach (var environment in agent.Environments)
                {
                    outgoing.Add(new NotificationRaised(new Notification(DeterministicIds.For("notification", id.ToString("N"), environment), NotificationKinds.AgentSilent, environment, null, agent.Id,
                        $"Agent {agent.Id} serving {environment} has been silent since {agent.LastHeartbeat:u}: no backup or restore of {environment} will run.",
                        new Dictionary<string, string> { ["agent"] = agent.Id, ["lastHeartbeat"] = agent.LastHeartbeat.ToString("O") }, watch.Now)));
                }
            }
        }

        var passed = (await session.Query<DrillView>().Where(d => d.Status == DrillStatus.Passed).ToListAsync(ct))
            .GroupBy(d => (d.Environment, d.Database)).ToDictionary(g => g.Key, g => g.Max(d => d.FinishedAt ?? d.StartedAt));
        var databases = agents.SelectMany(a => a.Databases.Select(d => (d.Environment, d.Name, a.FirstSeen)))
            .GroupBy(d => (d.Environment, d.Name)).Select(g => (g.Key.Environment, g.Key.Name, FirstSeen: g.Min(x => x.FirstSeen)));
        foreach (var (environment, database, firstSeen) in databases)
        {
            var last = passed.TryGetValue((environment, database), out var at) ? at : (DateTimeOffset?)null;
            var since = last ?? firstSeen;
            if (watch.Now - since <= cadence)
            {
                continue;
            }

            if (await Announce(session, $"drill-overdue:{environment}/{database}", last ?? DateTimeOffset.MinValue, ct) is { } id)
            {
                outgoing.Add(new NotificationRaised(new Notification(id, NotificationKinds.DrillOverdue, environment, database, $"{environment}/{database}",
                    last is null
                        ? $"{environment}/{database} has never passed a restore drill (known since {firstSeen:u}; cadence {cadence.TotalDays:0} days)."
                        : $"The last passed restore drill of {environment}/{database} finished {last:u}, more than {cadence.TotalDays:0} days ago.",
                    new Dictionary<string, string> { ["lastPassed"] = last?.ToString("O") ?? "never" }, watch.Now)));
            }
        }

        return outgoing;
    }

    /// <summary>The notification id when <paramref name="key"/> was not yet announced for <paramref name="value"/>, else null.</summary>
    private static async Task<Guid?> Announce(IDocumentSession session, string key, DateTimeOffset value, CancellationToken ct)
    {
        var marker = await session.LoadAsync<NotificationMarker>(key, ct);
        if (marker is not null && marker.Value == value)
        {
            return null;
        }

        session.Store(new NotificationMarker(key, value));
        return DeterministicIds.For("notification", key, value.ToString("O"));
    }
}

/// <summary>Runs <see cref="WatchForSilenceHandler"/> every <c>Notifications:WatchInterval</c> when any webhook is configured.</summary>
public sealed class SilenceWatchService(IMessageBus bus, NotificationOptions options, TimeProvider clock, IHostApplicationLifetime lifetime,
    ILogger<SilenceWatchService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Webhooks.Count == 0)
        {
            return;
        }

        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task;
        }

        using var timer = new PeriodicTimer(options.WatchInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await bus.InvokeAsync(new WatchForSilence(clock.GetUtcNow()), stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning("Notification watch failed: {Reason}", e.Message);
            }
        }
    }
}
