using Cronos;
using Wolverine;

namespace Ledger.Api.Retention;

/// <summary>Runs retention on its schedule (daily by default).</summary>
public sealed class RetentionService(IMessageBus bus, RetentionOptions options, TimeProvider clock, ILogger<RetentionService> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        // The same cron rule as the databases' schedules (5 or 6 fields, or "off").
        if (Schedules.ScheduleRules.Parse(options.Schedule, options.Schedule) is not { } cron)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var next = cron.GetNextOccurrence(now, TimeZoneInfo.Utc) ?? now.AddDays(1);
            await Task.Delay(next - now, clock, stoppingToken);
            try
            {
                var plan = await bus.InvokeAsync<Ledger.Contracts.Retention.PrunePlan>(new RunPrune(false, clock.GetUtcNow()), stoppingToken);
                log.LogInformation("Retention: {Deleted} backups expired, {Kept} kept", plan.Delete.Count, plan.Keep.Count);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning("Retention run failed: {Reason}", e.Message);
            }
        }
    }
}
