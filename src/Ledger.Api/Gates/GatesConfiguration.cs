using JasperFx.Events.Projections;
using Ledger.Contracts.Gates;
using Marten;

namespace Ledger.Api.Gates;

public static class GatesConfiguration
{
    public static StoreOptions AddGates(this StoreOptions store)
    {
        store.Projections.Add<GateViewProjection>(ProjectionLifecycle.Inline);
        return store;
    }
}
