using Amazon.Runtime;
using Ledger.Agent.Backups;

namespace Ledger.Agent.Repositories;

/// <summary>
/// The repositories this agent is configured with (<c>Agent:Repository</c>, then <c>Agent:Copies</c>), its encryption
/// keys and its work directory. Every location a command names is resolved here: one outside these repositories is
/// refused, whatever the ledger (or a forged message) says.
/// </summary>
public sealed class BackupRepositories : IDisposable
{
    public BackupRepositories(AgentOptions options, KeyRing keys, ILogger<BackupRepositories> log)
    {
        Primary = Open(options.Repository, options.S3, log);
        Copies = options.Copies.Select(c => Open(c, options.S3, log)).ToList();
        Keys = keys;
        WorkDirectory = options.WorkDirectory;
    }

    public IBackupRepository Primary { get; }
    public IReadOnlyList<IBackupRepository> Copies { get; }
    public IEnumerable<IBackupRepository> All => Copies.Prepend(Primary);
    public KeyRing Keys { get; }

    /// <summary>Where restores download artifacts (mode 0700; each file 0600, removed when the restore ends).</summary>
    public string WorkDirectory { get; }

    public static IBackupRepository Open(string repository, S3Options s3, ILogger log) =>
        S3Location.IsS3(repository)
            ? new S3Repository(S3Location.Parse(repository, out var problem) ?? throw new InvalidOperationException(problem), s3, log)
            : new LocalRepository(repository);

    /// <summary>The repository id a configured value stands for (a full path for a directory, the normalised URI of a bucket).</summary>
    public static string? IdOf(string repository) =>
        S3Location.IsS3(repository) ? S3Location.Parse(repository, out _)?.ToString() : Path.TrimEndingDirectorySeparator(Path.GetFullPath(repository));

    public IBackupRepository? Find(string repositoryId) => All.FirstOrDefault(r => r.Id == repositoryId);

    /// <summary>
    /// The repository and key of an artifact named by an event: by repository id and key when recorded, else (events
    /// written before repositories had ids) by its path inside a configured local repository. Null, with the reason, when
    /// the location is outside every repository of this agent.
    /// </summary>
    public (IBackupRepository Repository, string Key)? Resolve(string? repository, string? key, string? location, out string? problem)
    {
        problem = null;
        if (repository is not null && key is not null)
        {
            if (!RepositoryKeys.IsSafe(key))
            {
                problem = $"The artifact key '{key}' is not a key DgLedger writes; it is refused.";
                return null;
            }

            if (Find(repository) is { } found)
            {
                return (found, key);
            }

            problem = $"The artifact is in repository {repository}, which is not one of this agent's repositories ({string.Join(", ", All.Select(r => r.Id))}).";
            return null;
        }

        if (location is not null && All.FirstOrDefault(r => location.StartsWith(r.Id + "/", StringComparison.Ordinal)) is { } holder
            && location[(holder.Id.Length + 1)..] is var rest && RepositoryKeys.IsSafe(rest))
        {
            return (holder, rest);
        }

        if (location is not null && Path.IsPathFullyQualified(location))
        {
            var full = Path.GetFullPath(location);
            foreach (var local in All.OfType<LocalRepository>())
            {
                if (full.StartsWith(local.Id + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                    && Path.GetRelativePath(local.Id, full).Replace(Path.DirectorySeparatorChar, '/') is var relative && RepositoryKeys.IsSafe(relative))
                {
                    return (local, relative);
                }
            }
        }

        problem = $"The artifact location {location} is outside this agent's repositories ({string.Join(", ", All.Select(r => r.Id))}); it is refused.";
        return null;
    }

    /// <summary>The location recorded for a key: repository id + "/" + key (for a local repository, the file's path).</summary>
    public static string LocationOf(IBackupRepository repository, string key) =>
        repository.LocalPathOf(key) ?? $"{repository.Id}/{key}";

    /// <summary>
    /// Reads a stored object from its start: hashes every stored byte, decrypts when <paramref name="keyId"/> is set and
    /// hands the plaintext to <paramref name="consume"/>, which may stop early; the rest is then read (and authenticated)
    /// to the end. Returns the stored bytes' SHA-256 and size.
    /// </summary>
    public async Task<(string Sha256, long Size)> ReadAsync(IBackupRepository repository, string key, string? keyId,
        Func<Stream, Task>? consume, CancellationToken ct)
    {
        await using var hashing = new HashingReadStream(await repository.OpenReadAsync(key, ct));
        Stream plain = keyId is null ? hashing : new DecryptingReadStream(hashing, Keys, keyId);
        await using (plain.ConfigureAwait(false))
        {
            Exception? consumerFailure = null;
            if (consume is not null)
            {
                try
                {
                    await consume(new NonClosingStream(plain));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A consumer that failed on bad input: reading on to the end names the real problem (truncated, altered).
                    consumerFailure = e;
                }
            }

            await plain.CopyToAsync(Stream.Null, 1 << 20, ct);
            if (consumerFailure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(consumerFailure);
            }

            return (hashing.HexDigest(), hashing.BytesRead);
        }
    }

    /// <summary>The plaintext of a stored object from its start (decrypted when <paramref name="keyId"/> is set).</summary>
    public async Task<Stream> OpenPlaintextAsync(IBackupRepository repository, string key, string? keyId, CancellationToken ct)
    {
        var stored = await repository.OpenReadAsync(key, ct);
        return keyId is null ? stored : new DecryptingReadStream(stored, Keys, keyId);
    }

    /// <summary>Why reading failed, in words an operator can act on.</summary>
    public static string Describe(Exception e) => e switch
    {
        ArtifactDecryptionException => e.Message,
        FileNotFoundException => e.Message,
        AmazonServiceException s => $"the repository answered {(int)s.StatusCode} {s.ErrorCode}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    /// <summary>Exceptions a repository read or write may end in (everything else is a bug).</summary>
    public static bool IsStorageFailure(Exception e) =>
        e is IOException or UnauthorizedAccessException or AmazonClientException or AmazonServiceException or HttpRequestException
            or InvalidDataException or TimeoutException;

    public void Dispose()
    {
        foreach (var repository in All.OfType<IDisposable>())
        {
            repository.Dispose();
        }
    }
}
