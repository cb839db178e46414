namespace Ledger.Api.Schedules;

public static class SchedulesConfiguration
{
    public static IServiceCollection AddSchedules(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(ScheduleOptions.From(configuration));
        services.AddHostedService<SchedulerService>();
        return services;
    }
}
