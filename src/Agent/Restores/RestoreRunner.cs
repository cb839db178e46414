using System.Diagnostics;
using System.Globalization;
using Ledger.Agent.Repositories;
using Ledger.Contracts.Restores;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.Agent.Restores;

/// <summary>
/// The restore itself, in two durable steps. Prepare: check the artifact's size and SHA-256 before anything is
/// touched, refuse the maintenance and ledger databases, require a superuser, refuse a target someone closed
/// (ALLOW_CONNECTIONS false), create the target if it does not exist,
/// close it (no new connections, existing sessions ended) and let only superusers back in for pg_restore. Run:
/// <c>pg_restore --clean --if-exists --no-owner --no-privileges --jobs N</c> into it, give the target and what pg_restore
/// created to the owner role (<see cref="TargetOwnership"/>), then put the target's previous connection settings back
/// whatever pg_restore did. From preflight to the reopen the restore holds its target's locks (<see cref="TargetLocks"/>)
/// and its artifact is in use (<see cref="Retention.ArtifactsInUse"/>).
/// </summary>
public sealed class RestoreRunner(AgentOptions options, BackupRepositories repositories, PgToolPaths tools, PgProcessRunner runner, TargetGuards guards,
    TargetLocks locks, Retention.ArtifactsInUse inUse, TimeProvider clock, ILogger<RestoreRunner> log)
{
    /// <summary>How long closing the target waits for its sessions to end.</summary>
    public static readonly TimeSpan SessionsWait = TimeSpan.FromSeconds(30);

    private string? _pgRestoreVersion;

    public static IReadOnlyList<string> OptionsFor(int jobs) =>
        ["--clean", "--if-exists", "--no-owner", "--no-privileges", $"--jobs={jobs}"];

    public async Task<object[]> PrepareAsync(PrepareRestore step, CancellationToken ct, Recovery.StepProgress? progress = null)
    {
        // The SHA-256 check reads the whole artifact (downloading it from a bucket, decrypting it); it runs while the
        // target is only looked at (connect, role, state), and is awaited before anything is changed, so a bad artifact
        // (or a missing key) still never touches the target.
        await Recovery.FailPoints.ReachAsync(Recovery.Phases.ArtifactCheck);
        // From the checksum to the end of pg_restore, retention on this agent leaves the artifact alone.
        inUse.Use(step.Request.RestoreId, step.Request.Backup.BackupId);
        var checksum = ChecksumAsync(step.Request, ct);
        try
        {
            var outcome = await PrepareAsync(step, checksum, progress, ct);
            if (!outcome.OfType<RunPgRestore>().Any())
            {
                // Refused or failed: the target's locks go now; a prepared restore keeps them for pg_restore (TargetLocks).
                await locks.ReleaseAsync(step.Request.RestoreId);
                inUse.Release(step.Request.RestoreId);
                DeleteDownload((await checksum).Fetched);
            }

            return outcome;
        }
        catch
        {
            await locks.ReleaseAsync(step.Request.RestoreId);
            inUse.Release(step.Request.RestoreId);
            if (checksum.IsCompletedSuccessfully)
            {
                DeleteDownload(checksum.Result.Fetched);
            }

            throw;
        }
    }

    private static void DeleteDownload(FetchedArtifact? fetched)
    {
        if (fetched is { Downloaded: true, LocalPath: { } path })
        {
            Backups.Artifacts.DeleteQuietly(path);
        }
    }

    private async Task<object[]> PrepareAsync(PrepareRestore step, Task<(string? Problem, long Ms, FetchedArtifact? Fetched)> checksum,
        Recovery.StepProgress? progress, CancellationToken ct)
    {
        var request = step.Request;
        var target = request.Target;
        var host = options.Find(target.Environment, target.HostDatabase)!;

        async Task<object[]> RefuseAsync(string reason) =>
            await ArtifactFailureAsync(step, checksum) ?? [Failed(step, RestoreStages.Preflight, reason, null, false)];

        if (target.ManagedElsewhere is { } elsewhere)
        {
            return await RefuseAsync($"'{target.Database}' is {elsewhere}, managed in another environment: the ledger should have refused this restore");
        }

        if (await guards.RefusalAsync(host, target, TargetGuards.Use.Overwrite, ct) is { } refusal)
        {
            return await RefuseAsync($"{refusal}; it cannot be a restore target.");
        }

        TargetServer server;
        try
        {
            server = await TargetServer.OpenAsync(host, target.Database, ct);
        }
        catch (NpgsqlException e)
        {
            return await RefuseAsync($"Cannot reach the server of {target.Environment}/{target.HostDatabase}: {e.Message}");
        }

        await using (server)
        {
            TargetInfo before;
            string? owner;
            try
            {
                if (!await server.IsSuperuserAsync(ct))
                {
                    return await RefuseAsync(
                        $"The agent's role on the server of {target.Environment}/{target.HostDatabase} is not a superuser: it could not keep application sessions out while pg_restore runs.");
                }

                before = await server.DescribeAsync(ct);
                (owner, var ownerProblem) = await OwnerRoleAsync(server, request, before, ct);
                if (ownerProblem is not null)
                {
                    return await RefuseAsync(ownerProblem);
                }
            }
            catch (NpgsqlException e)
            {
                return await RefuseAsync($"Cannot read the target's state: {e.Message}");
            }

            if (before is { Exists: true, AllowConnections: false })
            {
                // Someone closed it on purpose (or an interrupted restore left it closed): restoring would put it back
                // closed, and neither verification nor the application could connect. The operator decides.
                return await RefuseAsync(
                    $"{target.Database} does not allow connections (ALLOW_CONNECTIONS false): it was closed before this restore, by hand or by an interrupted restore, and nothing was changed. "
                    + $"If it should be open, run ALTER DATABASE {PgIdentifier.Quote(target.Database)} WITH ALLOW_CONNECTIONS true, then ask again.");
            }

            // One restore or backup of this database at a time on its server, whichever agent runs it; refused here,
            // before anything changes, when another holds it past Agent:TargetLockWait.
            try
            {
                if (await locks.AcquireAsync(request.RestoreId, host, target.Database, before.Exists, ct) is { } busy)
                {
                    return await RefuseAsync(busy);
                }
            }
            catch (NpgsqlException e)
            {
                return await RefuseAsync($"Cannot lock {target.Database} on its server: {e.Message}");
            }

            if (await ArtifactFailureAsync(step, checksum) is { } artifactFailure)
            {
                return artifactFailure;
            }

            var (_, checksumMs, fetched) = await checksum;
            var created = false;
            var closing = false;
            var doing = "create";
            try
            {
                // Saved durably before anything changes: a restarted agent puts exactly these settings back.
                progress?.At(Recovery.Phases.TargetClosed);
                progress?.Hold(new Recovery.TargetHold(target.Environment, target.HostDatabase, target.Database, before.Exists,
                    before.AllowConnections, before.ConnectionLimit));
                if (!before.Exists)
                {
                    await server.CreateAsync(ct);
                    created = true;
                    // The mark a drill's drop looks for: only a database a restore created is ever dropped by a drill.
                    await server.MarkCreatedAsync(request.RestoreId, ct);
                    if (await locks.AddTargetAsync(request.RestoreId, host, target.Database, ct) is { } busy)
                    {
                        throw new TimeoutException(busy);
                    }

                    before = new TargetInfo(true, AllowConnections: true, ConnectionLimit: -1, 0, 0);
                }

                // BACKUP_AND_RESTORE.md: stop the application (or block writes) before the restore.
                var stop = await RestoreHooks.RunAsync(RestoreHooks.Stop, request, target.Managed ? options.Find(target.Environment, target.Database) : null, ct);
                (closing, doing) = (true, "close");
                var ended = await server.CloseAsync(SessionsWait, ct, keep: locks.TargetSessionOf(request.RestoreId));
                await server.OpenForRestoreAsync(ct);
                await Recovery.FailPoints.ReachAsync(Recovery.Phases.TargetClosed);
                var blocked = new WritesBlocked(request.RestoreId, options.Id, created, before.AllowConnections, before.ConnectionLimit,
                    ended, checksumMs, clock.GetUtcNow());
                log.LogInformation("Restore {RestoreId}: {Target} closed ({Sessions} session(s) ended{Created})", request.RestoreId,
                    target.Database, ended, created ? ", created" : "");
                return [blocked, new RunPgRestore(request, step.StartedAt, blocked, stop, fetched!.LocalPath, fetched.Downloaded, owner)];
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
            {
                var reopened = !closing || await TryReopenAsync(host, target.Database, before.AllowConnections, before.ConnectionLimit);
                if (reopened)
                {
                    progress?.Release();
                }

                return [Failed(step, RestoreStages.Block,
                    $"Could not {doing} {target.Database}: {e.Message}"
                    + (reopened ? "" : $" The target may still be closed: {ReopenHint(target.Database, before.AllowConnections, before.ConnectionLimit)}"),
                    null, touched: created || closing)];
            }
        }
    }

    public async Task<object[]> RunAsync(RunPgRestore step, CancellationToken ct, Recovery.StepProgress? progress = null)
    {
        inUse.Use(step.Request.RestoreId, step.Request.Backup.BackupId);
        try
        {
            return await RunPgRestoreAsync(step, progress, ct);
        }
        finally
        {
            inUse.Release(step.Request.RestoreId);
            // After the reopen (or its failure): the next restore or backup of the target may go.
            await locks.ReleaseAsync(step.Request.RestoreId);
            // A download is removed whatever happened (the agent's start sweeps one a crash left behind).
            if (step.Downloaded && step.ArtifactFile is { } download)
            {
                Backups.Artifacts.DeleteQuietly(download);
            }
        }
    }

    private async Task<object[]> RunPgRestoreAsync(RunPgRestore step, Recovery.StepProgress? progress, CancellationToken ct)
    {
        var request = step.Request;
        var target = request.Target;
        var host = options.Find(target.Environment, target.HostDatabase)!;
        var blocked = step.Blocked;
        var restoreOptions = OptionsFor(options.RestoreJobs);
        var command = new PgCommand(tools.PgRestore,
            [.. restoreOptions, "--no-password", $"--dbname={target.Database}", step.ArtifactFile ?? request.Backup.ArtifactPath])
        {
            ConnectionString = new NpgsqlConnectionStringBuilder(PgConnectionStrings.WithDatabase(host.ConnectionString, target.Database))
            {
                ApplicationName = TargetServer.RestoreApplicationName,
            }.ConnectionString,
        };

        PgProcessResult? result = null;
        string? failure = null;
        string version = "";
        var watch = Stopwatch.StartNew();
        try
        {
            // The locks Prepare took live in this agent's registry; an agent restarted between the steps takes them again,
            // the target still closed, before pg_restore touches it.
            if (!locks.Holds(request.RestoreId)
                && await locks.AcquireAsync(request.RestoreId, host, target.Database, targetExists: true, ct) is { } busy)
            {
                throw new TimeoutException(busy);
            }

            version = _pgRestoreVersion ??= (await runner.RunAsync(new PgCommand(tools.PgRestore, ["--version"]), null, ct)).StdoutText?.Trim() ?? "";
            watch.Restart();
            var restoring = runner.RunAsync(command, null, ct);
            if (Recovery.FailPoints.IsArmed(Recovery.Phases.MidPgRestore, target.Database))
            {
                await WaitForRestoreSessionAsync(host, target.Database, restoring, ct);
                await Recovery.FailPoints.ReachAsync(Recovery.Phases.MidPgRestore, target.Database);
            }

            result = await restoring;
        }
        catch (Exception e)
        {
            // Whatever went wrong, the target must be reopened below and the failure reported: never leave it closed.
            failure = e is OperationCanceledException ? "The agent stopped before pg_restore finished." : $"{e.GetType().Name}: {e.Message}";
        }

        var restoreMs = watch.ElapsedMilliseconds;
        // Still closed: the target and everything pg_restore created in it go to the application's role.
        string? ownershipFailure = null;
        if (failure is null && result!.Succeeded && step.OwnerRole is { } owner)
        {
            try
            {
                var given = await GiveOwnershipAsync(host, target.Database, owner, ct);
                log.LogInformation("Restore {RestoreId}: {Target} and {Count} object(s) given to {Owner}", request.RestoreId, target.Database, given, owner);
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
            {
                ownershipFailure = $"pg_restore succeeded, but {target.Database} could not be given to the owner role '{owner}': {e.Message} "
                                   + "(nothing was given: the change is one transaction; the target was reopened, owned by the agent's role).";
            }
        }

        // Whatever pg_restore did, the target gets its previous connection settings back.
        progress?.At(Recovery.Phases.Reopen);
        var reopened = await TryReopenAsync(host, target.Database, blocked.PreviousAllowConnections, blocked.PreviousConnectionLimit);
        if (reopened)
        {
            progress?.Release();
            await Recovery.FailPoints.ReachAsync(Recovery.Phases.Reopen);
        }
        if (!reopened)
        {
            return [Failed(step.Request, step.StartedAt, RestoreStages.Unblock,
                (failure ?? (result!.Succeeded ? "pg_restore succeeded, but " : $"pg_restore exited with code {result.ExitCode}, and "))
                + $"the target could not be reopened: {ReopenHint(target.Database, blocked.PreviousAllowConnections, blocked.PreviousConnectionLimit)}",
                result?.StderrTail, touched: true)];
        }

        if (failure is not null)
        {
            return [Failed(step.Request, step.StartedAt, RestoreStages.PgRestore, failure, null, touched: true)];
        }

        if (ownershipFailure is not null)
        {
            return [Failed(step.Request, step.StartedAt, RestoreStages.Ownership, ownershipFailure, null, touched: true)];
        }

        if (!result!.Succeeded)
        {
            log.LogWarning("Restore {RestoreId}: pg_restore exited with code {Code}", request.RestoreId, result.ExitCode);
            return [Failed(step.Request, step.StartedAt, RestoreStages.PgRestore, $"pg_restore exited with code {result.ExitCode}.", result.StderrTail, touched: true)];
        }

        var now = clock.GetUtcNow();
        var completed = new RestoreCompleted(request.RestoreId, options.Id, options.RestoreJobs, version, restoreOptions, restoreMs,
            (long)(now - step.StartedAt).TotalMilliseconds, now, step.OwnerRole);
        log.LogInformation("Restore {RestoreId}: backup {BackupId} restored into {Target} in {Ms} ms", request.RestoreId,
            request.Backup.BackupId, target.Database, restoreMs);
        return [completed, new VerifyRestore(request, completed, step.StopStep)];
    }

    /// <summary>
    /// The role the target goes to after pg_restore (<see cref="TargetOwnership.Choose"/>), checked on the target's server
    /// before anything changes: a configured role that does not exist refuses the restore; a recorded one (the source's
    /// owner, perhaps on another server) that does not exist falls back to the target's current owner.
    /// </summary>
    private async Task<(string? Owner, string? Problem)> OwnerRoleAsync(TargetServer server, RestoreBackup request, TargetInfo before, CancellationToken ct)
    {
        var current = before.Exists ? await server.OwnerAsync(ct) : null;
        var configured = TargetOwnership.ConfiguredFor(options, request);
        if (TargetOwnership.Choose(configured, request.Backup.SourceOwner, current) is not var (role, source))
        {
            return (null, null);
        }

        if (await server.RoleExistsAsync(role, ct))
        {
            return (role, null);
        }

        if (source == TargetOwnership.Source.Configured)
        {
            return (null, $"The owner role '{role}' (OwnerRole) does not exist on the server of {request.Target.Environment}/{request.Target.HostDatabase}: "
                          + "the restored objects could not be given to it, so nothing was changed. Create the role, or correct OwnerRole, then ask again.");
        }

        log.LogWarning("Restore {RestoreId}: {Role}, the source's owner at backup time, does not exist on the target's server; {Target} stays with {Current}",
            request.RestoreId, role, server.Database, current ?? "the agent's role");
        return (current, null);
    }

    private static async Task<int> GiveOwnershipAsync(ManagedDatabaseOptions host, string database, string owner, CancellationToken ct)
    {
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PgConnectionStrings.WithDatabase(host.ConnectionString, database))
                     {
                         ApplicationName = TargetServer.RestoreApplicationName,
                         Pooling = false,
                     }.ConnectionString))
        {
            await connection.OpenAsync(ct);
            var given = await TargetOwnership.GiveObjectsAsync(connection, owner, ct);
            await using var server = await TargetServer.OpenAsync(host, database, ct);
            await server.GiveToAsync(owner, ct);
            return given;
        }
    }

    /// <summary>For the mid-pg_restore fail point: waits until pg_restore has a session on the target (or has ended).</summary>
    private static async Task WaitForRestoreSessionAsync(ManagedDatabaseOptions host, string database, Task restoring, CancellationToken ct)
    {
        await using var server = await TargetServer.OpenAsync(host, database, ct);
        while (!restoring.IsCompleted && await server.RestoreSessionsAsync(ct) == 0)
        {
            await Task.Delay(20, ct);
        }
    }

    private async Task<(string? Problem, long Ms, FetchedArtifact? Fetched)> ChecksumAsync(RestoreBackup request, CancellationToken ct)
    {
        await Task.Yield();
        var watch = Stopwatch.StartNew();
        var fetched = await ArtifactCheck.FetchAsync(repositories, request.Backup, request.RestoreId, ct);
        return (fetched.Problem, watch.ElapsedMilliseconds, fetched);
    }

    /// <summary>The checksum failure to report, or null when the artifact is intact.</summary>
    private async Task<object[]?> ArtifactFailureAsync(PrepareRestore step, Task<(string? Problem, long Ms, FetchedArtifact? Fetched)> checksum)
    {
        var (problem, _, _) = await checksum;
        if (problem is null)
        {
            return null;
        }

        log.LogWarning("Restore {RestoreId}: artifact of backup {BackupId} refused: {Problem}", step.Request.RestoreId, step.Request.Backup.BackupId, problem);
        return [Failed(step, RestoreStages.Checksum, problem, null, touched: false)];
    }

    private async Task<bool> TryReopenAsync(ManagedDatabaseOptions host, string database, bool allowConnections, int connectionLimit)
    {
        // Not the step's token: a stopping agent must still put the target back.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await using var server = await TargetServer.OpenAsync(host, database, timeout.Token);
            await server.ReopenAsync(allowConnections, connectionLimit, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
        {
            log.LogError("Could not reopen {Database}: {Reason}", database, e.Message);
            return false;
        }
    }

    private static string ReopenHint(string database, bool allowConnections, int connectionLimit) =>
        $"run ALTER DATABASE {PgIdentifier.Quote(database)} WITH ALLOW_CONNECTIONS {(allowConnections ? "true" : "false")} CONNECTION LIMIT {connectionLimit.ToString(CultureInfo.InvariantCulture)}";

    private RestoreFailed Failed(PrepareRestore step, string stage, string reason, string? stderr, bool touched) =>
        Failed(step.Request, step.StartedAt, stage, reason, stderr, touched);

    private RestoreFailed Failed(RestoreBackup request, DateTimeOffset startedAt, string stage, string reason, string? stderr, bool touched)
    {
        var now = clock.GetUtcNow();
        return new RestoreFailed(request.RestoreId, options.Id, stage, reason, stderr, touched, (long)(now - startedAt).TotalMilliseconds, now);
    }
}
