using Wolverine;

namespace Ledger.Api.Agents;

/// <summary>Runs <see cref="CheckLeasesHandler"/> every <see cref="OperationLease.CheckInterval"/>, on every ledger node (the reports are state-guarded).</summary>
public sealed class LeaseWatchService(IMessageBus bus, OperationLease lease, TimeProvider clock, IHostApplicationLifetime lifetime,
    ILogger<LeaseWatchService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task;
        }

        using var timer = new PeriodicTimer(lease.CheckInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await bus.InvokeAsync(new CheckLeases(clock.GetUtcNow()), stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning("Lease check failed: {Reason}", e.Message);
            }
        }
    }
}
