using System.Collections.Concurrent;

namespace Ledger.Agent.Retention;

/// <summary>
/// The backups whose artifacts a restore on this agent is reading, from its checksum (a download, a decryption) to the
/// end of pg_restore (whose parallel workers reopen the archive by name): <see cref="ExpireBackupHandler"/> refuses to
/// delete those, whatever the ledger decided. Keyed by restore id, since Prepare and pg_restore are separate steps; an
/// agent restarted between them registers the restore again when pg_restore starts.
/// </summary>
public sealed class ArtifactsInUse
{
    private readonly ConcurrentDictionary<Guid, Guid> _backupByRestore = new();

    /// <summary>The restore <paramref name="restoreId"/> reads backup <paramref name="backupId"/>'s artifact (idempotent).</summary>
    public void Use(Guid restoreId, Guid backupId) => _backupByRestore[restoreId] = backupId;

    /// <summary>The restore no longer reads it (harmless when it was not registered).</summary>
    public void Release(Guid restoreId) => _backupByRestore.TryRemove(restoreId, out _);

    /// <summary>The restores reading <paramref name="backupId"/>'s artifact now.</summary>
    public IReadOnlyList<Guid> RestoresReading(Guid backupId) =>
        _backupByRestore.Where(p => p.Value == backupId).Select(p => p.Key).ToList();
}
