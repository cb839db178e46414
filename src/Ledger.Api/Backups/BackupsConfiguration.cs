using JasperFx.Events.Projections;
using Ledger.Contracts.Backups;
using Marten;

namespace Ledger.Api.Backups;

public static class BackupsConfiguration
{
    public static StoreOptions AddBackups(this StoreOptions store)
    {
        // Restore points are an inline snapshot: an answer is consistent with the write that produced it.
        store.Projections.Add<RestorePointProjection>(ProjectionLifecycle.Inline);
        store.Schema.For<RestorePoint>()
            .Duplicate(x => x.Environment)
            .Duplicate(x => x.Database)
            .Duplicate(x => x.Trigger)
            // Status is an enum, kept in the JSON only: Marten writes a duplicated enum column by its C# name
            // ("VerificationFailed"), not its wire name, so the indexes below read (data ->> 'Status') instead.
            .Duplicate(x => x.Release)
            .Duplicate(x => x.Timestamp)
            // Composite indexes over the duplicated columns (and the status in the JSON), one per question the ledger is asked on every run, so each
            // is one index probe or an index scan that stops after a page instead of a sort of every restore point.
            // `backups list`, newest first (ORDER BY timestamp DESC, id DESC: the index read backwards):
            .Index([x => x.Timestamp, x => x.Id], i => i.Name = "mt_doc_restorepoint_idx_list")
            // `backups list --env --db`:
            .Index([x => x.Environment, x => x.Database, x => x.Timestamp, x => x.Id], i => i.Name = "mt_doc_restorepoint_idx_list_db")
            // `fresh-backup` and the gate: the newest restore point of (environment, database, trigger, status) since a time.
            .Index([x => x.Environment, x => x.Database, x => x.Trigger, x => x.Status, x => x.Timestamp],
                i => i.Name = "mt_doc_restorepoint_idx_fresh");
        return store;
    }
}
