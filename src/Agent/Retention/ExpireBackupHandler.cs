using Ledger.Agent.Repositories;
using Ledger.Contracts.Retention;

namespace Ledger.Agent.Retention;

/// <summary>
/// Deletes an expired artifact, its manifest and its companion exports from its repository and from every copy, only
/// inside this agent's repositories and only under the backup's own key, and reports what it deleted where. It refuses
/// (<see cref="BackupExpiryRefused"/>, nothing deleted) while a restore on this agent reads the artifact
/// (<see cref="ArtifactsInUse"/>): the ledger's holds are checked once, when it decides; this is checked at the deletion.
/// </summary>
public static class ExpireBackupHandler
{
    public static async Task<object[]> Handle(ExpireBackup command, AgentOptions options, BackupRepositories repositories, ArtifactsInUse inUse,
        ILogger<ExpireBackup> log, DateTimeOffset now, CancellationToken ct)
    {
        if (inUse.RestoresReading(command.BackupId) is { Count: > 0 } readers)
        {
            var reason = $"restore {string.Join(", ", readers)} on agent '{options.Id}' is reading this artifact; nothing was deleted (a later prune asks again)";
            log.LogWarning("Refusing to expire {BackupId}: {Reason}", command.BackupId, reason);
            return [new BackupExpiryRefused(command.BackupId, options.Id, command.Rule, reason, now)];
        }

        var folder = RepositoryKeys.FolderFor(command.Environment, command.Database);
        var candidates = (command.Copies ?? []).Select(c => ((string?)c.Repository, (string?)c.Key, (string?)null))
            .Prepend((command.Repository, command.Key, command.ArtifactPath)).ToList();
        long freed = 0;
        var expiredIn = new List<string>();
        var problems = new List<string>();
        for (var i = 0; i < candidates.Count; i++)
        {
            var (repositoryId, key, location) = candidates[i];
            if (repositories.Resolve(repositoryId, key, location, out var outside) is not var (repository, resolved)
                || !resolved.StartsWith(folder, StringComparison.Ordinal) || resolved[folder.Length..].Contains('/', StringComparison.Ordinal)
                || !resolved.EndsWith($"-{command.BackupId}{RepositoryKeys.ArtifactSuffix}", StringComparison.Ordinal))
            {
                log.LogWarning("Refusing to expire {BackupId} at {Location}: not one of this agent's artifacts of {Environment}/{Database}",
                    command.BackupId, location ?? $"{repositoryId}/{key}", command.Environment, command.Database);
                if (i == 0)
                {
                    return [];
                }

                problems.Add($"{repositoryId}: {outside ?? "not this backup's key"}");
                continue;
            }

            try
            {
                freed += await repository.DeleteAsync(resolved, ct);
                freed += await repository.DeleteAsync(RepositoryKeys.ManifestFor(resolved), ct);
                // Companion exports expire with their backup.
                var exports = new List<string>();
                await foreach (var export in repository.ListAsync(RepositoryKeys.ExportsFolderFor(resolved), ct))
                {
                    exports.Add(export);
                }

                foreach (var export in exports)
                {
                    freed += await repository.DeleteAsync(export, ct);
                }

                if (repository.LocalPathOf(RepositoryKeys.ExportsFolderFor(resolved).TrimEnd('/')) is { } directory && Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                expiredIn.Add(repository.Id);
            }
            catch (Exception e) when (BackupRepositories.IsStorageFailure(e))
            {
                problems.Add($"{repository.Id}: {BackupRepositories.Describe(e)}");
            }
        }

        return [new BackupExpired(command.BackupId, options.Id, command.Rule, freed, now, expiredIn, problems.Count == 0 ? null : problems)];
    }
}
