using Ledger.Agent.Backups;
using Ledger.Contracts.Retention;

namespace Ledger.Agent.Retention;

/// <summary>Deletes an expired artifact, its sidecar and its companion exports, only inside this agent's repository, and reports it.</summary>
public static class ExpireBackupHandler
{
    public static IEnumerable<object> Handle(ExpireBackup command, AgentOptions options, ILogger<ExpireBackup> log, DateTimeOffset now)
    {
        var path = Path.GetFullPath(command.ArtifactPath);
        var expectedDirectory = Path.GetFullPath(Artifacts.DirectoryFor(options.Repository, command.Environment, command.Database));
        if (Path.GetDirectoryName(path) != expectedDirectory || !path.EndsWith($"-{command.BackupId}.dump", StringComparison.Ordinal))
        {
            log.LogWarning("Refusing to expire {BackupId}: {Path} is not one of this agent's artifacts", command.BackupId, path);
            yield break;
        }

        long freed = 0;
        foreach (var file in new[] { path, Artifacts.SidecarPathFor(path) })
        {
            if (File.Exists(file))
            {
                freed += new FileInfo(file).Length;
                File.Delete(file);
            }
        }

        // Companion exports expire with their backup.
        var exports = CompanionExports.DirectoryFor(path);
        if (Directory.Exists(exports))
        {
            freed += Directory.EnumerateFiles(exports, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            Directory.Delete(exports, recursive: true);
        }

        yield return new BackupExpired(command.BackupId, options.Id, command.Rule, freed, now);
    }
}
