using System.Reflection;
using Ledger.Contracts.Agents;
using Wolverine;

namespace Ledger.Agent.Heartbeats;

/// <summary>Announces the agent, and what it serves, to the ledger at a fixed interval.</summary>
public sealed class HeartbeatService(IMessageBus bus, AgentOptions options, TimeProvider clock, IHostApplicationLifetime lifetime,
    ILogger<HeartbeatService> log)
    : BackgroundService
{
    private static readonly string Version =
        typeof(HeartbeatService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Wolverine can only send once the host has started.
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task;
        }

        using var timer = new PeriodicTimer(options.HeartbeatInterval, clock);
        do
        {
            try
            {
                await bus.PublishAsync(new AgentHeartbeat(options.Id, Environment.MachineName, Version,
                    options.Databases.Select(d => d.ToAnnouncement()).ToList(), clock.GetUtcNow()));
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning("Heartbeat not sent: {Reason}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
