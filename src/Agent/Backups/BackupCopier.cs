using System.Diagnostics;
using Ledger.Agent.Repositories;
using Ledger.Contracts.Backups;

namespace Ledger.Agent.Backups;

/// <summary>
/// Copies a verified backup's stored bytes (as stored: an encrypted artifact stays encrypted) from the primary repository
/// to each of <c>Agent:Copies</c>, re-hashing on the way, reading every uploaded copy back, and writing the manifest
/// beside each copy; then the manifests list every copy. Each copy is its own event: <see cref="BackupCopied"/> or
/// <see cref="BackupCopyFailed"/>; a failed copy leaves nothing under its key.
/// </summary>
public sealed class BackupCopier(AgentOptions options, BackupRepositories repositories, TimeProvider clock, ILogger<BackupCopier> log)
{
    public async Task<IReadOnlyList<object>> CopyAsync(BackupTaken taken, DateTimeOffset verifiedAt, CancellationToken ct)
    {
        if (repositories.Copies.Count == 0 || repositories.Resolve(taken.Repository, taken.Key, taken.ArtifactPath, out _) is not var (source, key))
        {
            return [];
        }

        var reports = new List<object>();
        var copies = new List<ArtifactCopy>();
        var holders = new List<IBackupRepository>();
        foreach (var copy in repositories.Copies)
        {
            var watch = Stopwatch.StartNew();
            var completed = false;
            try
            {
                long size;
                await using (var upload = await copy.BeginUploadAsync(key, ct))
                {
                    var hashing = new HashingWriteStream(upload.Stream);
                    await using (var from = await source.OpenReadAsync(key, ct))
                    {
                        await from.CopyToAsync(Recovery.FailPointStream.Wrap(hashing, Recovery.Phases.MidCopy), 1 << 20, ct);
                    }

                    await hashing.FlushAsync(ct);
                    if (hashing.HexDigest() != taken.Sha256)
                    {
                        throw new IOException($"the artifact in {source.Id} hashes to {hashing.HexDigest()}, not the recorded {taken.Sha256}");
                    }

                    size = hashing.BytesWritten;
                    await upload.CompleteAsync(ct);
                    completed = true;
                }

                if (copy.LocalPathOf(key) is null)
                {
                    var (readSha, readSize) = await repositories.ReadAsync(copy, key, null, null, ct);
                    if (readSha != taken.Sha256 || readSize != size)
                    {
                        throw new IOException($"reading the copy back gave {readSize} bytes with SHA-256 {readSha}");
                    }
                }

                var artifactCopy = new ArtifactCopy(copy.Id, key, size, taken.Sha256);
                await Manifests.WriteAsync(copy, key, Manifests.For(taken, verifiedAt, [.. copies, artifactCopy]), ct);
                copies.Add(artifactCopy);
                holders.Add(copy);
                reports.Add(new BackupCopied(taken.BackupId, options.Id, copy.Id, key, size, taken.Sha256, watch.ElapsedMilliseconds, clock.GetUtcNow()));
            }
            catch (Exception e) when (BackupRepositories.IsStorageFailure(e))
            {
                if (completed)
                {
                    await RemoveQuietlyAsync(copy, key);
                }

                log.LogWarning("Backup {BackupId}: copy to {Repository} failed: {Reason}", taken.BackupId, copy.Id, BackupRepositories.Describe(e));
                reports.Add(new BackupCopyFailed(taken.BackupId, options.Id, copy.Id, BackupRepositories.Describe(e), clock.GetUtcNow()));
            }
        }

        // Every manifest lists every copy, so an import from any one of them finds the others.
        if (copies.Count > 0)
        {
            var manifest = Manifests.For(taken, verifiedAt, copies);
            foreach (var holder in holders.Prepend(source))
            {
                try
                {
                    await Manifests.WriteAsync(holder, key, manifest, ct);
                }
                catch (Exception e) when (BackupRepositories.IsStorageFailure(e))
                {
                    log.LogWarning("Backup {BackupId}: the manifest in {Repository} could not list the copies: {Reason}", taken.BackupId, holder.Id,
                        BackupRepositories.Describe(e));
                }
            }
        }

        return reports;
    }

    private async Task RemoveQuietlyAsync(IBackupRepository repository, string key)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var doomed in new[] { RepositoryKeys.ManifestFor(key), key })
        {
            try
            {
                await repository.DeleteAsync(doomed, timeout.Token);
            }
            catch (Exception e) when (BackupRepositories.IsStorageFailure(e) || e is OperationCanceledException)
            {
                log.LogWarning("Could not remove {Key} from {Repository}: {Error}", doomed, repository.Id, e.GetType().Name);
            }
        }
    }
}
