using JasperFx.Events.Projections;
using Ledger.Contracts.Backups;
using Marten;

namespace Ledger.Api.Backups;

public static class Configuration
{
    public static StoreOptions AddBackups(this StoreOptions store)
    {
        // Restore points are an inline snapshot: an answer is consistent with the write that produced it.
        store.Projections.Add<RestorePointProjection>(ProjectionLifecycle.Inline);
        store.Schema.For<RestorePoint>()
            .Duplicate(x => x.Environment)
            .Duplicate(x => x.Database)
            .Duplicate(x => x.Trigger)
            .Duplicate(x => x.Status)
            .Duplicate(x => x.Release)
            .Duplicate(x => x.Timestamp);
        return store;
    }
}
