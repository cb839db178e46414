namespace Ledger.Agent.Repositories;

/// <summary>
/// Where backup sets are stored: a local directory (<see cref="LocalRepository"/>) or an S3-compatible bucket
/// (<see cref="S3Repository"/>). Keys are relative, '/'-separated (<c>env/db/db-20260101-020000-id.dump</c>); a location
/// is <see cref="Id"/> + "/" + key, which for a local repository is the file's path.
/// </summary>
public interface IBackupRepository
{
    /// <summary>The repository as configured and recorded in events: <c>s3://bucket/prefix</c> or a full directory path.</summary>
    string Id { get; }

    /// <summary>The file behind a key when the repository is a local directory (read in place); null for a bucket.</summary>
    string? LocalPathOf(string key);

    /// <summary>
    /// Starts writing an object. Nothing is visible under <paramref name="key"/> until <see cref="IArtifactUpload.CompleteAsync"/>;
    /// disposing an upload that was not completed removes everything it wrote (a partial file, a multipart upload's parts).
    /// </summary>
    Task<IArtifactUpload> BeginUploadAsync(string key, CancellationToken ct);

    /// <summary>Reads an object from its start. Throws <see cref="FileNotFoundException"/> when it does not exist.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken ct);

    /// <summary>The stored size, or null when there is no such object.</summary>
    Task<long?> SizeAsync(string key, CancellationToken ct);

    /// <summary>Writes (or replaces) a small object at once, atomically: a reader sees the old or the new content.</summary>
    Task WriteAllAsync(string key, byte[] content, CancellationToken ct);

    /// <summary>Deletes an object; the bytes freed (0 when it did not exist).</summary>
    Task<long> DeleteAsync(string key, CancellationToken ct);

    /// <summary>Every key under <paramref name="prefix"/> (a '/'-terminated folder, or "" for all), in no set order.</summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken ct);
}

/// <summary>An object being written: write to <see cref="Stream"/>, then complete it; dispose without completing to abort.</summary>
public interface IArtifactUpload : IAsyncDisposable
{
    Stream Stream { get; }

    /// <summary>Makes the object durable and visible under its key.</summary>
    Task CompleteAsync(CancellationToken ct);
}
