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
}
