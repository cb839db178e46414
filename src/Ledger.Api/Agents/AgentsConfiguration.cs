using Ledger.Contracts.Agents;
using Marten;

namespace Ledger.Api.Agents;

public static class AgentsConfiguration
{
    public static StoreOptions AddAgents(this StoreOptions store)
    {
        store.Schema.For<AgentStatus>().Identity(x => x.Id);
        return store;
    }

    /// <summary>Operation leases: the ledger ends operations whose agent has gone silent (<see cref="CheckLeasesHandler"/>).</summary>
    public static IServiceCollection AddOperationLeases(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(OperationLease.From(configuration));
        services.AddHostedService<LeaseWatchService>();
        return services;
    }
}
