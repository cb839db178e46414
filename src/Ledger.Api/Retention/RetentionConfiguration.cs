
namespace Ledger.Api.Retention;

public static class RetentionConfiguration
{
    public static IServiceCollection AddRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(RetentionOptions.From(configuration));
        services.AddHostedService<RetentionService>();
        return services;
    }
}
