using JasperFx.Events.Projections;
using Ledger.Contracts.Drills;
using Marten;

namespace Ledger.Api.Drills;

public static class DrillsConfiguration
{
    /// <summary>Drills: the <see cref="Drill"/> write model (live, from its stream) and the inline <see cref="DrillView"/>.</summary>
    public static StoreOptions AddDrills(this StoreOptions store)
    {
        store.Projections.Add<DrillViewProjection>(ProjectionLifecycle.Inline);
        return store;
    }
}
