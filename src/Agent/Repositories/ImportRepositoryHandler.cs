using Ledger.Contracts.Backups;

namespace Ledger.Agent.Repositories;

/// <summary>
/// Reads one of this agent's repositories for <see cref="ImportRepository"/>: every manifest of the environment
/// (<c>&lt;env&gt;/&lt;db&gt;/*.json</c>), and for each the artifact beside it, re-hashed whole. A manifest is vouched for
/// only when its artifact exists with the recorded size and SHA-256; any other is refused with the reason. A repository
/// this agent is not configured with is refused as a whole (the ledger cannot make an agent read anywhere else).
/// </summary>
public static class ImportRepositoryHandler
{
    public static async Task<RepositoryScanned> Handle(ImportRepository command, AgentOptions options, BackupRepositories repositories,
        ILogger<ImportRepository> log, DateTimeOffset now, CancellationToken ct)
    {
        RepositoryScanned Answer(IReadOnlyList<BackupManifest> manifests, IReadOnlyList<RefusedManifest> refused, string? failure) =>
            new(command.ImportId, options.Id, command.Environment, command.Repository, manifests, refused, failure, now);

        if (!options.Environments.Contains(command.Environment))
        {
            return Answer([], [], $"Agent '{options.Id}' does not serve environment '{command.Environment}'.");
        }

        var repository = (S3Location.IsS3(command.Repository) || Path.IsPathFullyQualified(command.Repository))
                         && BackupRepositories.IdOf(command.Repository) is { } id
            ? repositories.Find(id)
            : null;
        if (repository is null)
        {
            return Answer([], [], $"'{command.Repository}' is not one of this agent's repositories ({string.Join(", ", repositories.All.Select(r => r.Id))}).");
        }

        var accepted = new List<BackupManifest>();
        var refused = new List<RefusedManifest>();
        var keys = new List<string>();
        try
        {
            await foreach (var key in repository.ListAsync(command.Environment + "/", ct))
            {
                // <env>/<db>/<file>.json: manifests only (companion exports live deeper, under <artifact>.exports/).
                if (key.Split('/') is [_, _, var file] && file.EndsWith(RepositoryKeys.ManifestSuffix, StringComparison.Ordinal))
                {
                    keys.Add(key);
                }
            }
        }
        catch (Exception e) when (BackupRepositories.IsStorageFailure(e))
        {
            return Answer([], [], $"{repository.Id} cannot be listed: {BackupRepositories.Describe(e)}");
        }

        foreach (var key in keys.Order(StringComparer.Ordinal))
        {
            var artifactKey = key[..^RepositoryKeys.ManifestSuffix.Length] + RepositoryKeys.ArtifactSuffix;
            try
            {
                if (await Manifests.ReadAsync(repository, key, ct) is not { } manifest)
                {
                    refused.Add(new RefusedManifest(key, "not a DgLedger manifest"));
                    continue;
                }

                var taken = manifest.Taken;
                if (taken.Environment != command.Environment || RepositoryKeys.FolderFor(taken.Environment, taken.Database) != key[..(key.LastIndexOf('/') + 1)]
                    || !artifactKey.EndsWith($"-{taken.BackupId}{RepositoryKeys.ArtifactSuffix}", StringComparison.Ordinal))
                {
                    refused.Add(new RefusedManifest(key, $"the manifest names backup {taken.BackupId} of {taken.Environment}/{taken.Database}, which is not the backup stored under this key"));
                    continue;
                }

                if (await repository.SizeAsync(artifactKey, ct) is not { } size)
                {
                    refused.Add(new RefusedManifest(key, $"its artifact {artifactKey} does not exist"));
                    continue;
                }

                var (sha256, _) = await repositories.ReadAsync(repository, artifactKey, null, null, ct);
                if (sha256 != taken.Sha256 || size != taken.SizeBytes)
                {
                    refused.Add(new RefusedManifest(key,
                        $"its artifact has {size} bytes with SHA-256 {sha256}; the manifest records {taken.SizeBytes} bytes with {taken.Sha256}"));
                    continue;
                }

                // Where this agent found it: a format-1 manifest has no repository id; a copy's manifest names the primary.
                taken = taken.Repository is null ? taken with { Repository = repository.Id, Key = artifactKey, ArtifactPath = BackupRepositories.LocationOf(repository, artifactKey) } : taken;
                var copies = taken.Repository == repository.Id || manifest.Copies.Any(c => c.Repository == repository.Id)
                    ? manifest.Copies
                    : [.. manifest.Copies, new ArtifactCopy(repository.Id, artifactKey, size, sha256)];
                accepted.Add(manifest with { Taken = taken, Copies = copies });
            }
            catch (Exception e) when (BackupRepositories.IsStorageFailure(e))
            {
                refused.Add(new RefusedManifest(key, $"cannot be read: {BackupRepositories.Describe(e)}"));
            }
        }

        log.LogInformation("Import {ImportId} from {Repository}: {Accepted} manifest(s) vouched for, {Refused} refused", command.ImportId, repository.Id,
            accepted.Count, refused.Count);
        return Answer(accepted, refused, null);
    }
}
