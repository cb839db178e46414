using Ledger.Agent.Backups;

namespace Ledger.Agent.Repositories;

/// <summary>
/// At the agent's start: creates the work directory (0700) and removes the downloads and list files a stopped agent left
/// in it (nothing runs yet, so nothing there is in use); then, in the background, aborts multipart uploads older than
/// <see cref="AgentOptions.MaxBackupDuration"/> under the environments this agent serves in its buckets.
/// </summary>
public sealed class WorkDirectorySweeper(AgentOptions options, BackupRepositories repositories, ILogger<WorkDirectorySweeper> log) : IHostedService
{
    private Task _aborting = Task.CompletedTask;
    private readonly CancellationTokenSource _stopping = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Artifacts.EnsureDirectory(repositories.WorkDirectory, repositories.WorkDirectory);
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(repositories.WorkDirectory))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith("restore-", StringComparison.Ordinal) || name.StartsWith(".sequences-", StringComparison.Ordinal))
            {
                Artifacts.DeleteQuietly(file);
                removed++;
            }
        }

        if (removed > 0)
        {
            log.LogInformation("Removed {Count} stale download(s) from {WorkDirectory}", removed, repositories.WorkDirectory);
        }

        var folders = options.Databases.Select(d => RepositoryKeys.FolderFor(d.Environment, d.Name)).Distinct().ToList();
        var olderThan = DateTimeOffset.UtcNow - options.MaxBackupDuration;
        _aborting = Task.Run(async () =>
        {
            foreach (var bucket in repositories.All.OfType<S3Repository>())
            {
                try
                {
                    var aborted = await bucket.AbortStaleUploadsAsync(folders, olderThan, _stopping.Token);
                    if (aborted > 0)
                    {
                        log.LogInformation("Aborted {Count} unfinished multipart upload(s) in {Repository}", aborted, bucket.Id);
                    }
                }
                catch (Exception e) when (BackupRepositories.IsStorageFailure(e) || e is OperationCanceledException)
                {
                    log.LogWarning("{Repository}: unfinished uploads were not swept ({Error})", bucket.Id, e.GetType().Name);
                }
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _aborting.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
