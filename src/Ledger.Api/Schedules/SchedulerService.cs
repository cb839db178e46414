using Wolverine;

namespace Ledger.Api.Schedules;

/// <summary>Ticks the backup and drill schedules on an interval. The work is a Wolverine message, so it runs in a transaction with the outbox.</summary>
public sealed class SchedulerService(IMessageBus bus, ScheduleOptions options, TimeProvider clock,
    IHostApplicationLifetime lifetime, ILogger<SchedulerService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task;
        }

        using var timer = new PeriodicTimer(options.TickInterval, clock);
        do
        {
            try
            {
                var now = clock.GetUtcNow();
                await bus.InvokeAsync(new RunScheduleTick(now), stoppingToken);
                await bus.InvokeAsync(new RunDrillScheduleTick(now), stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning("Schedule tick failed: {Reason}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
