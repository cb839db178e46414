using System.Text.Json;
using Ledger.Contracts.Backups;

namespace Ledger.Agent.Repositories;

/// <summary>Writes and reads the manifest beside an artifact (format 2; format 1, the bare BackupTaken, is still read).</summary>
public static class Manifests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static BackupManifest For(BackupTaken taken, DateTimeOffset? verifiedAt = null, IReadOnlyList<ArtifactCopy>? copies = null) =>
        new(BackupManifest.CurrentVersion, taken, verifiedAt, copies ?? [], taken.KeyId, taken.KeyId is null ? null : BackupManifest.AesGcmFrames);

    public static Task WriteAsync(IBackupRepository repository, string artifactKey, BackupManifest manifest, CancellationToken ct) =>
        repository.WriteAllAsync(RepositoryKeys.ManifestFor(artifactKey), JsonSerializer.SerializeToUtf8Bytes(manifest, Json), ct);

    /// <summary>The manifest in <paramref name="content"/>, or null when it is neither format.</summary>
    public static BackupManifest? Parse(byte[] content)
    {
        try
        {
            using var document = JsonDocument.Parse(content);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (document.RootElement.TryGetProperty("formatVersion", out _))
            {
                var manifest = document.RootElement.Deserialize<BackupManifest>(Json);
                return manifest?.Taken is null ? null : manifest;
            }

            var taken = document.RootElement.Deserialize<BackupTaken>(Json);
            return taken is null || taken.BackupId == Guid.Empty ? null : new BackupManifest(1, taken, null, [], null, null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static async Task<BackupManifest?> ReadAsync(IBackupRepository repository, string manifestKey, CancellationToken ct)
    {
        await using var stream = await repository.OpenReadAsync(manifestKey, ct);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct);
        return Parse(buffer.ToArray());
    }
}
