using JasperFx.Events.Projections;
using Ledger.Contracts.Restores;
using Marten;

namespace Ledger.Api.Restores;

public static class RestoresConfiguration
{
    public static StoreOptions AddRestores(this StoreOptions store)
    {
        // A restore's view is an inline snapshot: an answer is consistent with the write that produced it.
        store.Projections.Add<RestoreViewProjection>(ProjectionLifecycle.Inline);
        store.Schema.For<RestoreView>()
            .Duplicate(x => x.Environment)
            .Duplicate(x => x.TargetDatabase)
            // An enum: indexed in the JSON, where it has its wire name (see BackupsConfiguration).
            .Index(x => x.Status)
            .Duplicate(x => x.BackupId)
            .Duplicate(x => x.RequestedAt)
            // `restores list`, newest first (ORDER BY requested_at DESC, id DESC: the index read backwards).
            .Index([x => x.RequestedAt, x => x.Id], i => i.Name = "mt_doc_restoreview_idx_list");
        return store;
    }
}
