using System.Runtime.CompilerServices;
using Ledger.Agent.Backups;

namespace Ledger.Agent.Repositories;

/// <summary>
/// A repository in a local directory, with the file rules of <see cref="Artifacts"/>: directories 0700, files 0600, an
/// object written to a hidden <c>.name.partial</c>, fsynced, renamed to its key and its directory fsynced.
/// </summary>
public sealed class LocalRepository(string directory) : IBackupRepository
{
    public string Id { get; } = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));

    public string? LocalPathOf(string key) => PathOf(key);

    private string PathOf(string key) =>
        RepositoryKeys.IsSafe(key) ? Path.Combine(Id, key.Replace('/', Path.DirectorySeparatorChar)) : throw new ArgumentException($"'{key}' is not a repository key.", nameof(key));

    public Task<IArtifactUpload> BeginUploadAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        Artifacts.EnsureDirectory(Id, Path.GetDirectoryName(path)!);
        var partial = Artifacts.PartialPathFor(path);
        return Task.FromResult<IArtifactUpload>(new Upload(path, partial, Artifacts.CreateFile(partial, bufferSize: 1 << 20)));
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken ct) =>
        Task.FromResult<Stream>(new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read,
            bufferSize: 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous));

    public Task<long?> SizeAsync(string key, CancellationToken ct)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists ? file.Length : (long?)null);
    }

    public async Task WriteAllAsync(string key, byte[] content, CancellationToken ct)
    {
        var path = PathOf(key);
        Artifacts.EnsureDirectory(Id, Path.GetDirectoryName(path)!);
        var partial = Artifacts.PartialPathFor(path);
        Artifacts.DeleteQuietly(partial);
        await using (var file = Artifacts.CreateFile(partial))
        {
            await file.WriteAsync(content, ct);
            await file.FlushAsync(ct);
            file.Flush(flushToDisk: true);
        }

        Artifacts.MoveDurably(partial, path, overwrite: true);
    }

    public Task<long> DeleteAsync(string key, CancellationToken ct)
    {
        var file = new FileInfo(PathOf(key));
        if (!file.Exists)
        {
            return Task.FromResult(0L);
        }

        var length = file.Length;
        file.Delete();
        return Task.FromResult(length);
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        var root = prefix.Length == 0 ? Id : PathOf(prefix.TrimEnd('/'));
        if (!Directory.Exists(root))
        {
            yield break;
        }

        await Task.Yield();
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            ct.ThrowIfCancellationRequested();
            var key = Path.GetRelativePath(Id, file).Replace(Path.DirectorySeparatorChar, '/');
            // Hidden files are objects being written (.name.partial), never keys.
            if (RepositoryKeys.IsSafe(key) && !key.Split('/').Any(s => s.StartsWith('.')))
            {
                yield return key;
            }
        }
    }

    public override string ToString() => Id;

    private sealed class Upload(string path, string partial, FileStream file) : IArtifactUpload
    {
        private bool _completed, _disposed;

        public Stream Stream => file;

        public async Task CompleteAsync(CancellationToken ct)
        {
            await file.FlushAsync(ct);
            file.Flush(flushToDisk: true);
            await file.DisposeAsync();
            Artifacts.MoveDurably(partial, path);
            _completed = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                await file.DisposeAsync();
            }
            catch (IOException) when (!_completed)
            {
                // Closing flushes the last buffer, which fails again on a full disk (ENOSPC): the handle is closed regardless,
                // and the file goes below, so its space is given back.
            }
            finally
            {
                if (!_completed)
                {
                    Artifacts.DeleteQuietly(partial);
                }
            }
        }
    }
}
