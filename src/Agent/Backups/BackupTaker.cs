using System.Diagnostics;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Fidelity;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.Agent.Backups;

/// <summary>
/// Takes one backup: exports a snapshot, streams <c>pg_dump --format=custom --snapshot</c> through a SHA-256 hasher
/// into a hidden temporary file in the repository, fsyncs it, renames it atomically to its final name and writes the
/// sidecar last. Any failure ends in <see cref="BackupFailed"/> and leaves nothing that looks like a finished backup.
/// </summary>
public sealed class BackupTaker(AgentOptions options, PgToolPaths tools, PgProcessRunner runner, TimeProvider clock,
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

        var directory = Artifacts.DirectoryFor(options.Repository, request.Environment, request.Database);
        string? finalPath = null, partialPath = null;
        var stopwatch = Stopwatch.StartNew();
        var renamed = false;
        try
        {
            Artifacts.EnsureDirectory(options.Repository, directory);
            var pgDumpVersion = _pgDumpVersion ??= await ReadPgDumpVersionAsync(ct);
            await using var snapshot = await SourceSnapshot.OpenAsync(database.ConnectionString, options.LockWait, ct);
            await Recovery.FailPoints.ReachAsync(Recovery.Phases.SnapshotExport);

            // The data is as of this moment: the snapshot exists and no other backup of this database runs.
            var startedAt = clock.GetUtcNow();
            stopwatch.Restart();
            finalPath = Path.Combine(directory, Artifacts.FileNameFor(request.Database, startedAt, request.BackupId));
            partialPath = Artifacts.PartialPathFor(finalPath);
            // Journalled before the file exists: a restarted agent knows which files an interrupted dump leaves.
            progress?.At(Recovery.Phases.MidDump, finalPath);

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
            await using (var file = Artifacts.CreateFile(partialPath, bufferSize: 1 << 20))
            await using (var hashing = new HashingWriteStream(file))
            {
                // Fingerprint the same snapshot while pg_dump streams it.
                var fingerprinting = snapshot.FingerprintAsync(ct);
                result = await runner.RunAsync(command, Recovery.FailPointStream.Wrap(hashing, Recovery.Phases.MidDump), ct);
                progress?.At(Recovery.Phases.Fingerprint);
                await Recovery.FailPoints.ReachAsync(Recovery.Phases.Fingerprint);
                fingerprint = await fingerprinting;
                fingerprint = fingerprint with { Marks = await snapshot.MarksAsync(ct) };
                exportCandidates = database.ExportWorkflows
                    ? await snapshot.ExportCandidatesAsync(CompanionExports.PreviousBackupAt(directory, finalPath), database.MaxExports, ct)
                    : [];
                await hashing.FlushAsync(ct);
                file.Flush(flushToDisk: true);
                sha256 = hashing.HexDigest();
                size = hashing.BytesWritten;
            }

            if (!result.Succeeded)
            {
                Artifacts.DeleteQuietly(partialPath);
                return Failed(request, $"pg_dump exited with code {result.ExitCode}.", result.StderrTail);
            }

            fingerprint = await ArchiveSequences.ApplyAsync(fingerprint, partialPath, tools, runner, ct);
            progress?.At(Recovery.Phases.Rename);
            Artifacts.MoveDurably(partialPath, finalPath);
            renamed = true;
            await Recovery.FailPoints.ReachAsync(Recovery.Phases.Rename);
            // Companions, not substitutes: fetched after the dump (DecisionGraph's export read writes), stored next to it.
            IReadOnlyList<CompanionExport>? exports = database.ExportWorkflows
                ? await CompanionExports.FetchAsync(decisionGraph, database, finalPath, exportCandidates, ct)
                : null;
            var finishedAt = clock.GetUtcNow();
            var taken = new BackupTaken(request.BackupId, request.Environment, request.Database, request.Trigger,
                request.Release, options.Id, startedAt, finishedAt, stopwatch.ElapsedMilliseconds, finalPath, size, sha256,
                pgDumpVersion, snapshot.ServerVersion, dumpOptions,
                fingerprint.Tables.Select(t => new TableRowCount(t.Schema, t.Table, t.Rows)).ToList(), fingerprint, exports);
            await Artifacts.WriteSidecarAsync(taken, ct);
            log.LogInformation("Backup {BackupId} of {Environment}/{Database}: {Bytes} bytes in {Ms} ms",
                request.BackupId, request.Environment, request.Database, size, stopwatch.ElapsedMilliseconds);
            return taken;
        }
        catch (Exception e) when (e is NpgsqlException or IOException or UnauthorizedAccessException or PgProcessFailedException
                                      or PgToolsNotFoundException or OperationCanceledException or InvalidOperationException)
        {
            if (partialPath is not null)
            {
                Artifacts.DeleteQuietly(partialPath);
            }

            if (renamed && finalPath is not null)
            {
                Artifacts.DeleteQuietly(finalPath);
                Artifacts.DeleteQuietly(Artifacts.SidecarPathFor(finalPath));
                Artifacts.DeleteQuietly(Artifacts.PartialPathFor(Artifacts.SidecarPathFor(finalPath)));
            }

            var reason = e switch
            {
                OperationCanceledException => "The agent stopped before the backup finished.",
                PostgresException { SqlState: "55P03" } => $"Another backup of {request.Database} held the lock for longer than {options.LockWait}.",
                NpgsqlException => $"Cannot read the source database: {e.Message}",
                _ => $"{e.GetType().Name}: {e.Message}",
            };
            log.LogWarning("Backup {BackupId} failed: {Reason}", request.BackupId, reason);
            return Failed(request, reason, null);
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
