using JasperFx.Events.Projections;
using Marten;

namespace Ledger.Api.Metrics;

public static class MetricsConfiguration
{
    /// <summary>The outcome counters (an inline projection into its own table).</summary>
    public static StoreOptions AddMetrics(this StoreOptions store)
    {
        store.Storage.ExtendedSchemaObjects.Add(OutcomeCounters.Schema(store.DatabaseSchemaName));
        store.Projections.Add(new OutcomeCounters(store.DatabaseSchemaName), ProjectionLifecycle.Inline);
        return store;
    }

    public static IServiceCollection AddMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(MetricsOptions.From(configuration));
        services.AddSingleton<LedgerMetrics>();
        return services;
    }

    public static void MapMetrics(this WebApplication app) =>
        app.MapMetrics(app.Services.GetRequiredService<MetricsOptions>());
}
