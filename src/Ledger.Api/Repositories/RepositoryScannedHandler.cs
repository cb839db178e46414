using Ledger.Api.Backups;
using Ledger.Contracts.Backups;
using Marten;

namespace Ledger.Api.Repositories;

/// <summary>
/// Rebuilds restore points from an agent's scan of a repository. A backup's stream id is its backup id (the manifest's),
/// so importing twice, or importing a backup the ledger still knows, adds nothing. A rebuilt stream holds what the
/// manifest proves: requested (by the import), started and taken (the manifest's facts), verified (the agent re-hashed
/// the artifact for this import) and each copy. Manifests of another environment are refused.
/// </summary>
public static class RepositoryScannedHandler
{
    public static async Task Handle(RepositoryScanned report, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var run = await session.LoadAsync<RepositoryImportRun>(report.ImportId, ct);
        if (run is null || run.Status != ImportStatus.Pending)
        {
            return;
        }

        var imported = new List<Guid>();
        var known = new List<Guid>();
        var refused = report.Refused.ToList();
        foreach (var manifest in report.Manifests.DistinctBy(m => m.Taken.BackupId))
        {
            var taken = manifest.Taken;
            if (taken.Environment != run.Environment || taken.BackupId == Guid.Empty)
            {
                refused.Add(new RefusedManifest(taken.Key ?? taken.ArtifactPath, $"the manifest is of environment '{taken.Environment}', not '{run.Environment}'"));
                continue;
            }

            if (await session.Events.FetchStreamStateAsync(taken.BackupId, ct) is not null)
            {
                known.Add(taken.BackupId);
                continue;
            }

            var at = manifest.VerifiedAt ?? report.ScannedAt;
            var events = new List<object>
            {
                new BackupRequested(taken.BackupId, taken.Environment, taken.Database, taken.Trigger, taken.Release,
                    $"import by {run.RequestedBy}", taken.StartedAt),
                new BackupStarted(taken.BackupId, taken.AgentId, taken.StartedAt),
                taken,
                new BackupVerified(taken.BackupId, report.AgentId, taken.Sha256, taken.TableRowCounts.Count, 0, at),
            };
            events.AddRange(manifest.Copies.Select(c => new BackupCopied(taken.BackupId, taken.AgentId, c.Repository, c.Key, c.SizeBytes, c.Sha256, 0, at)));
            session.Events.StartStream<Backup>(taken.BackupId, events);
            imported.Add(taken.BackupId);
        }

        session.Store(run with
        {
            Status = report.Failure is null ? ImportStatus.Imported : ImportStatus.Failed,
            AgentId = report.AgentId,
            Imported = imported,
            AlreadyKnown = known,
            Refused = refused,
            Failure = report.Failure,
            FinishedAt = now,
        });
    }
}
