using System.Security.Cryptography;
using Ledger.Agent.Backups;
using Ledger.Agent.Repositories;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Restores;

namespace Ledger.Agent.Restores;

/// <summary>The artifact a restore reads: a local file (in place, or a download to remove afterwards), or why there is none.</summary>
public sealed record FetchedArtifact(string? Problem, string? LocalPath, bool Downloaded, string? Source);

/// <summary>
/// The artifact, checked before anything is touched: its key is here, it exists, has the recorded size (a truncated
/// file is named as such) and hashes to the recorded SHA-256 (a single flipped byte changes it). A plain artifact in a
/// local repository is read in place; from a bucket, or encrypted, it is downloaded (and decrypted, every frame
/// authenticated) into a 0600 file in <c>Agent:WorkDirectory</c> while it is hashed. The primary location is tried first,
/// then each copy, and the first this agent can reach whose hash matches is used.
/// </summary>
public static class ArtifactCheck
{
    public static string DownloadPathFor(BackupRepositories repositories, Guid restoreId) =>
        Path.Combine(repositories.WorkDirectory, $"restore-{restoreId}.dump");

    public static async Task<FetchedArtifact> FetchAsync(BackupRepositories repositories, RestoreArtifact artifact, Guid restoreId, CancellationToken ct)
    {
        if (repositories.Keys.MissingKeyProblem(artifact.KeyId) is { } missingKey)
        {
            return new FetchedArtifact(missingKey, null, false, null);
        }

        var candidates = new List<(string? Repository, string? Key, string? Location, long Size, string Sha256)>
        {
            (artifact.Repository, artifact.Key, artifact.ArtifactPath, artifact.SizeBytes, artifact.Sha256),
        };
        candidates.AddRange((artifact.Copies ?? []).Select(c => ((string?)c.Repository, (string?)c.Key, (string?)null, c.SizeBytes, c.Sha256)));
        var problems = new List<string>();
        foreach (var (repositoryId, key, location, size, sha256) in candidates)
        {
            if (repositories.Resolve(repositoryId, key, location, out var outside) is not var (repository, resolvedKey))
            {
                problems.Add(outside!);
                continue;
            }

            var fetched = await FetchOneAsync(repositories, repository, resolvedKey, artifact.KeyId, size, sha256, DownloadPathFor(repositories, restoreId), ct);
            if (fetched.Problem is null)
            {
                return fetched;
            }

            problems.Add(candidates.Count == 1 ? fetched.Problem : $"{repository.Id}: {fetched.Problem}");
        }

        return new FetchedArtifact(string.Join(" ", problems), null, false, null);
    }

    private static async Task<FetchedArtifact> FetchOneAsync(BackupRepositories repositories, IBackupRepository repository, string key, string? keyId,
        long expectedSize, string expectedSha, string downloadPath, CancellationToken ct)
    {
        var location = BackupRepositories.LocationOf(repository, key);
        long? size;
        try
        {
            size = await repository.SizeAsync(key, ct);
        }
        catch (Exception e) when (BackupRepositories.IsStorageFailure(e))
        {
            return new FetchedArtifact($"The artifact cannot be read: {BackupRepositories.Describe(e)}", null, false, null);
        }

        if (size is null)
        {
            return new FetchedArtifact($"The artifact {location} does not exist.", null, false, null);
        }

        if (size != expectedSize)
        {
            return new FetchedArtifact(size < expectedSize
                ? $"The artifact is truncated: {size} of the {expectedSize} bytes recorded."
                : $"The artifact has {size} bytes; {expectedSize} were recorded.", null, false, null);
        }

        if (keyId is null && repository.LocalPathOf(key) is { } inPlace)
        {
            try
            {
                await using var stream = await repository.OpenReadAsync(key, ct);
                var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
                return sha256 == expectedSha
                    ? new FetchedArtifact(null, inPlace, false, repository.Id)
                    : new FetchedArtifact($"SHA-256 mismatch: the backup recorded {expectedSha}, the file has {sha256}.", null, false, null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new FetchedArtifact($"The artifact cannot be read: {e.Message}", null, false, null);
            }
        }

        // Downloaded (and decrypted) into a file only the agent's user can read; removed on any failure.
        Artifacts.EnsureDirectory(repositories.WorkDirectory, repositories.WorkDirectory);
        Artifacts.DeleteQuietly(downloadPath);
        string? problem = null;
        HashingReadStream? hashing = null;
        try
        {
            await using var stored = hashing = new HashingReadStream(await repository.OpenReadAsync(key, ct));
            await using (var file = Artifacts.CreateFile(downloadPath, bufferSize: 1 << 20))
            {
                try
                {
                    await using var plain = keyId is null ? (Stream)new NonClosingStream(hashing) : new DecryptingReadStream(new NonClosingStream(hashing), repositories.Keys, keyId);
                    await plain.CopyToAsync(file, 1 << 20, ct);
                }
                catch (ArtifactDecryptionException e)
                {
                    // Altered bytes are named as such (the hash says so); bytes as stored that do not decrypt mean a wrong key.
                    problem = e.Message;
                }

                await hashing.CopyToAsync(Stream.Null, 1 << 20, ct);
                await file.FlushAsync(ct);
            }

            var sha256 = hashing.HexDigest();
            if (sha256 != expectedSha)
            {
                problem = $"SHA-256 mismatch: the backup recorded {expectedSha}, the stored object has {sha256}.";
            }
            else if (hashing.BytesRead != expectedSize)
            {
                problem = $"The artifact is truncated: {hashing.BytesRead} of the {expectedSize} bytes recorded.";
            }
        }
        catch (Exception e) when (BackupRepositories.IsStorageFailure(e))
        {
            // Every byte arrived but the repository's own checksum failed: the bytes are not the recorded ones.
            problem = hashing is { } complete && complete.BytesRead == expectedSize
                ? $"SHA-256 mismatch: the backup recorded {expectedSha}, the stored object has {complete.HexDigest()}."
                : $"The artifact cannot be read: {BackupRepositories.Describe(e)}";
        }
        catch (OperationCanceledException)
        {
            Artifacts.DeleteQuietly(downloadPath);
            throw;
        }

        if (problem is not null)
        {
            Artifacts.DeleteQuietly(downloadPath);
            return new FetchedArtifact(problem, null, false, null);
        }

        return new FetchedArtifact(null, downloadPath, true, repository.Id);
    }
}
