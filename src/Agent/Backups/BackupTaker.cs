using System.Diagnostics;
using Ledger.Agent.Repositories;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Fidelity;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.Agent.Backups;

/// <summary>
/// Takes one backup: exports a snapshot, streams <c>pg_dump --format=custom --snapshot</c> (encrypted with the active
/// key, when one is configured) through a SHA-256 hasher into the repository (a hidden temporary file, fsynced and
/// renamed; or a multipart upload, completed and then read back whole and re-hashed), and writes the manifest last.
/// Any failure ends in <see cref="BackupFailed"/> and leaves nothing that looks like a finished backup.
/// </summary>
public sealed class BackupTaker(AgentOptions options, BackupRepositories repositories, PgToolPaths tools, PgProcessRunner runner, TimeProvider clock,
    Restores.DecisionGraphClient decisionGraph, ILogger<BackupTaker> log)
{
    private string? _pgDumpVersion;

    public async Task<object> TakeAsync(TakeBackup request, CancellationToken ct, Recovery.StepProgress? progress = null)
    {
        var database = options.Find(request.Environment, request.Database);
        if (database is null)
        {
            return Failed(request, options.DoesNotManage(request.Environment, request.Database), null);
        }

        var repository = repositories.Primary;
        var encryption = repositories.Keys.Active;
        var folder = RepositoryKeys.FolderFor(request.Environment, request.Database);
        string? key = null;
        var stopwatch = Stopwatch.StartNew();
        var completed = false;
        // Where the backup stands, for a failure's reason ("... during pg_dump").
        var stage = Recovery.Phases.Describe(Recovery.Phases.SnapshotExport);
        try
        {
            var pgDumpVersion = _pgDumpVersion ??= await ReadPgDumpVersionAsync(ct);
            await using var snapshot = await SourceSnapshot.OpenAsync(database.ConnectionString, options.LockWait, ct);
            await Recovery.FailPoints.ReachAsync(Recovery.Phases.SnapshotExport);

            // The data is as of this moment: the snapshot exists and no other backup of this database runs.
            var startedAt = clock.GetUtcNow();
            stopwatch.Restart();
            key = RepositoryKeys.ArtifactFor(request.Environment, request.Database, startedAt, request.BackupId);
            // Journalled before the file exists: a restarted agent knows which files an interrupted dump leaves (a bucket's
            // unfinished multipart uploads are aborted by the work-directory sweeper instead).
            progress?.At(Recovery.Phases.MidDump, repository.LocalPathOf(key));
            stage = Recovery.Phases.Describe(Recovery.Phases.MidDump);

            // What the backup records of its options (the snapshot id is this run's, not an option to repeat).
            var dumpOptions = new List<string> { "--format=custom", $"--compress={options.CompressionLevel}", "--snapshot" };
            var command = new PgCommand(tools.PgDump, [.. dumpOptions[..^1], $"--snapshot={snapshot.SnapshotId}", "--no-password"])
            {
                ConnectionString = database.ConnectionString,
            };

            PgProcessResult result;
            string sha256;
            long size;
            DatabaseFingerprint fingerprint;
            IReadOnlyList<(string Tenant, string WorkflowId)> exportCandidates;
            await using (var upload = await repository.BeginUploadAsync(key, ct))
            {
                var hashing = new HashingWriteStream(upload.Stream);
                await using var encrypting = encryption is null ? null : new EncryptingWriteStream(hashing, encryption);
                // Fingerprint the same snapshot while pg_dump streams it.
                var fingerprinting = snapshot.FingerprintAsync(ct);
                try
                {
                    result = await runner.RunAsync(command, Recovery.FailPointStream.Wrap((Stream?)encrypting ?? hashing, Recovery.Phases.MidDump), ct);
                }
                catch (Exception e) when (BackupRepositories.IsStorageFailure(e))
                {
                    // The destination failed (a full disk, a bucket gone): let the snapshot's reads end first, so that closing the
                    // snapshot does not interrupt them and put the source's error in the place of the repository's.
                    await ObserveQuietlyAsync(fingerprinting);
                    throw;
                }
                if (!result.Succeeded)
                {
                    // pg_dump's own words come first (the snapshot's reads fail too when the source server went away).
                    await ObserveQuietlyAsync(fingerprinting);
                    // Disposing the upload unfinished removes what was written.
                    return Failed(request, DumpFailureRules.PgDumpExited(result.ExitCode, result.StderrTail, stage), result.StderrTail);
                }

                stage = Recovery.Phases.Describe(Recovery.Phases.Fingerprint);
                progress?.At(Recovery.Phases.Fingerprint);
                await Recovery.FailPoints.ReachAsync(Recovery.Phases.Fingerprint);
                fingerprint = await fingerprinting;
                fingerprint = fingerprint with { Marks = await snapshot.MarksAsync(ct) };
                exportCandidates = database.ExportWorkflows
                    ? await snapshot.ExportCandidatesAsync(await CompanionExports.PreviousBackupAtAsync(repository, folder, key, ct), database.MaxExports, ct)
                    : [];
                if (encrypting is not null)
                {
                    await encrypting.FinishAsync(ct);
                }

                await hashing.FlushAsync(ct);
                sha256 = hashing.HexDigest();
                size = hashing.BytesWritten;
                stage = "the upload's completion";
                await upload.CompleteAsync(ct);
                completed = true;
            }

            // An upload counts once it has been read back whole and hashes to what was sent (a local file was fsynced).
            string? listing = null;
            stage = "reading the artifact back";
            if (repository.LocalPathOf(key) is null)
            {
                var (readSha, readSize) = await repositories.ReadAsync(repository, key, encryption?.Id,
                    async plain => listing = await ArchiveSequences.ListAsync(plain, tools, runner, ct), ct);
                if (readSha != sha256 || readSize != size)
                {
                    throw new IOException($"Reading {repository.Id}/{key} back gave {readSize} bytes with SHA-256 {readSha}; {size} bytes with {sha256} were sent.");
                }
            }

            fingerprint = await ArchiveSequences.ApplyAsync(fingerprint, listing,
                c => repositories.OpenPlaintextAsync(repository, key, encryption?.Id, c), repositories.WorkDirectory, tools, runner, ct);
            // The upload was completed (a local file renamed durably); the manifest is still to come.
            progress?.At(Recovery.Phases.Rename);
            stage = "writing the manifest";
            await Recovery.FailPoints.ReachAsync(Recovery.Phases.Rename);
            // Companions, not substitutes: fetched after the dump (DecisionGraph's export read writes), stored next to it.
            IReadOnlyList<CompanionExport>? exports = database.ExportWorkflows
                ? await CompanionExports.FetchAsync(decisionGraph, database, repository, key, exportCandidates, encryption, ct)
                : null;
            var finishedAt = clock.GetUtcNow();
            var taken = new BackupTaken(request.BackupId, request.Environment, request.Database, request.Trigger,
                request.Release, options.Id, startedAt, finishedAt, stopwatch.ElapsedMilliseconds, BackupRepositories.LocationOf(repository, key),
                size, sha256, pgDumpVersion, snapshot.ServerVersion, dumpOptions,
                fingerprint.Tables.Select(t => new TableRowCount(t.Schema, t.Table, t.Rows)).ToList(), fingerprint, exports,
                repository.Id, key, encryption?.Id, SourceOwner: snapshot.Owner);
            // The manifest is written last: an artifact without one is not a finished backup.
            await Manifests.WriteAsync(repository, key, Manifests.For(taken), ct);
            log.LogInformation("Backup {BackupId} of {Environment}/{Database}: {Bytes} bytes in {Ms} ms to {Repository}",
                request.BackupId, request.Environment, request.Database, size, stopwatch.ElapsedMilliseconds, repository.Id);
            return taken;
        }
        catch (Exception e) when (e is NpgsqlException or PgProcessFailedException or PgToolsNotFoundException or OperationCanceledException
                                      or InvalidOperationException || BackupRepositories.IsStorageFailure(e))
        {
            if (completed && key is not null)
            {
                await DeleteQuietlyAsync(repository, key);
            }

            var reason = e switch
            {
                OperationCanceledException => "The agent stopped before the backup finished.",
                PostgresException { SqlState: "55P03" } => $"Another backup of {request.Database} held the lock for longer than {options.LockWait}.",
                NpgsqlException npgsql => DumpFailureRules.SourceFailed(npgsql, stage),
                _ when BackupRepositories.IsStorageFailure(e) => DumpFailureRules.RepositoryFailed(repository.Id, e, stage),
                _ => $"{e.GetType().Name}: {e.Message}",
            };
            log.LogWarning("Backup {BackupId} failed: {Reason}", request.BackupId, reason);
            return Failed(request, reason, null);
        }
    }

    private static async Task ObserveQuietlyAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            // the dump's failure is the reason reported
        }
    }

    /// <summary>Removes what a failed backup completed (artifact, manifest, exports); nothing that looks finished stays.</summary>
    private async Task DeleteQuietlyAsync(IBackupRepository repository, string key)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var doomed in new[] { RepositoryKeys.ManifestFor(key), key })
        {
            try
            {
                await repository.DeleteAsync(doomed, timeout.Token);
            }
            catch (Exception e) when (BackupRepositories.IsStorageFailure(e) || e is OperationCanceledException)
            {
                log.LogWarning("Could not remove {Key} from {Repository} after a failed backup: {Error}", doomed, repository.Id, e.GetType().Name);
            }
        }
    }

    private BackupFailed Failed(TakeBackup request, string reason, string? stderr) =>
        new(request.BackupId, options.Id, reason, stderr, clock.GetUtcNow());

    private async Task<string> ReadPgDumpVersionAsync(CancellationToken ct)
    {
        var result = await runner.RunAsync(new PgCommand(tools.PgDump, ["--version"]), null, ct);
        return (result.StdoutText ?? "").Trim();
    }
}
