using System.Globalization;
using System.Text.RegularExpressions;
using Ledger.Agent.Restores;
using Ledger.Contracts.Common;
using Ledger.Contracts.Doctor;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.Agent.Doctor;

/// <summary>
/// The agent's side of the doctor: the PostgreSQL tools, the repository, and for each managed database its reachability
/// with the configured credentials, its server version against pg_dump/pg_restore, the rights a backup and a restore need,
/// its schedule, and DecisionGraph with its token when configured. It takes the bin directory as configured (not the one
/// the host resolved) so that it can say what is missing even when the agent itself could not start.
/// Never reports a connection string, password or token.
/// </summary>
public sealed partial class AgentDoctor(AgentOptions options, PgProcessRunner runner, DecisionGraphClient? decisionGraph = null)
{
    /// <summary>Free space the repository needs, as a multiple of the newest backup's size.</summary>
    public const double FreeSpaceFactor = 1.5;

    public async Task<IReadOnlyList<DoctorCheck>> RunAsync(string? environment, IReadOnlyDictionary<string, long> newestBackupBytes, CancellationToken ct)
    {
        var agent = $"agent {options.Id}";
        var checks = new List<DoctorCheck>();
        var (toolChecks, dumpMajor, restoreMajor) = await ToolsAsync(agent, ct);
        checks.AddRange(toolChecks);
        var databases = options.Databases.Where(d => environment is null || d.Environment == environment).ToList();
        checks.Add(Repositories.S3Location.IsS3(options.Repository)
            ? await BucketAsync(agent, ct)
            : Repository(agent, newestBackupBytes.Count == 0 ? 0 : newestBackupBytes.Values.Max()));

        foreach (var db in databases)
        {
            var scope = $"{db.Environment}/{db.Name}";
            checks.Add(Schedule(scope, db));
            checks.AddRange(await DatabaseAsync(scope, db, dumpMajor, restoreMajor, ct));
            if (db.DecisionGraphUrl is { Length: > 0 } && decisionGraph is not null)
            {
                checks.Add(await DecisionGraphAsync(scope, db, ct));
            }
        }

        return checks;
    }

    private async Task<(List<DoctorCheck> Checks, int? DumpMajor, int? RestoreMajor)> ToolsAsync(string scope, CancellationToken ct)
    {
        var checks = new List<DoctorCheck>();
        PgToolPaths tools;
        try
        {
            tools = PgToolPaths.Locate(options.PgBinDir);
        }
        catch (PgToolsNotFoundException e)
        {
            checks.Add(DoctorCheck.Fail(scope, "pg_dump", e.Message, "Install the PostgreSQL client of your servers' major version (apt-get install postgresql-client-<major>) or set Agent:PgBinDir to its bin directory."));
            return (checks, null, null);
        }

        var dump = await VersionAsync(tools.PgDump, ct);
        checks.Add(dump.Major is null
            ? DoctorCheck.Fail(scope, "pg_dump", $"{tools.PgDump} does not run: {dump.Text}", "Reinstall the PostgreSQL client (apt-get install --reinstall postgresql-client) or point Agent:PgBinDir elsewhere.")
            : DoctorCheck.Ok(scope, "pg_dump", $"{dump.Text} at {tools.PgDump}"));
        var restore = File.Exists(tools.PgRestore) ? await VersionAsync(tools.PgRestore, ct) : (null, "missing");
        checks.Add(restore.Major is null
            ? DoctorCheck.Fail(scope, "pg_restore", $"{tools.PgRestore}: {restore.Text}", "Install the PostgreSQL client next to pg_dump (apt-get install postgresql-client-<major>) or set Agent:PgBinDir.")
            : DoctorCheck.Ok(scope, "pg_restore", $"{restore.Text} at {tools.PgRestore}"));
        return (checks, dump.Major, restore.Major);
    }

    private async Task<(int? Major, string Text)> VersionAsync(string program, CancellationToken ct)
    {
        try
        {
            var result = await runner.RunAsync(new PgCommand(program, ["--version"]), null, ct);
            var text = (result.StdoutText ?? "").Trim();
            return result.Succeeded && MajorOf(text) is { } major ? (major, text) : (null, result.Succeeded ? $"unexpected version '{text}'" : result.StderrTail.Trim());
        }
        catch (PgToolsNotFoundException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>The major version in "pg_dump (PostgreSQL) 15.8 (Debian ...)" or "15.8" or "9.6.24" (9.6).</summary>
    public static int? MajorOf(string versionText)
    {
        var m = VersionPattern().Match(versionText);
        if (!m.Success) return null;
        var major = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return major >= 10 ? major : major * 10 + int.Parse(m.Groups[2].Success ? m.Groups[2].Value : "0", CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"(\d+)(?:\.(\d+))?")]
    private static partial Regex VersionPattern();

    /// <summary>A bucket repository takes a probe object, gives it back and lets it be deleted.</summary>
    public async Task<DoctorCheck> BucketAsync(string scope, CancellationToken ct)
    {
        var repository = Repositories.BackupRepositories.Open(options.Repository, options.S3, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var probe = $"dgledger-doctor-{Guid.NewGuid():N}";
        try
        {
            await repository.WriteAllAsync(probe, [1], ct);
            var size = await repository.SizeAsync(probe, ct);
            await repository.DeleteAsync(probe, ct);
            return size == 1
                ? DoctorCheck.Ok(scope, "repository", $"{repository.Id} takes, returns and deletes an object")
                : DoctorCheck.Fail(scope, "repository", $"{repository.Id} did not return the probe object it took",
                    "Check Agent:S3 (endpoint, path style) against the S3-compatible server's documentation.");
        }
        catch (Exception e) when (Repositories.BackupRepositories.IsStorageFailure(e) || e is Amazon.Runtime.AmazonServiceException)
        {
            return DoctorCheck.Fail(scope, "repository", $"{repository.Id}: {Repositories.BackupRepositories.Describe(e)}",
                "Check Agent:S3 (endpoint, region, credentials or the AWS_* variables) and that the bucket exists and the credentials may write it.");
        }
        finally
        {
            (repository as IDisposable)?.Dispose();
        }
    }

    /// <summary>The repository exists (or can be created), takes a file, and has room for the next backup.</summary>
    public DoctorCheck Repository(string scope, long newestBackupBytes)
    {
        var path = options.Repository;
        var probe = Path.Combine(path, $".dgledger-doctor-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(path);
            using (var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough))
            {
                file.WriteByte(1);
                file.Flush(flushToDisk: true);
            }

            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DoctorCheck.Fail(scope, "repository", $"{path} is not writable: {e.Message}",
                "Make Agent:Repository a directory the agent's user can write (mkdir -p and chown it), or point it elsewhere.");
        }

        var free = new DriveInfo(path).AvailableFreeSpace;
        var needed = (long)(newestBackupBytes * FreeSpaceFactor);
        return free < needed
            ? DoctorCheck.Fail(scope, "repository", $"{path}: {Bytes(free)} free, the newest backup took {Bytes(newestBackupBytes)} (needs {FreeSpaceFactor}x)",
                "Free space on the repository's disk (backups prune) or move Agent:Repository to a larger one.")
            : DoctorCheck.Ok(scope, "repository", $"{path} writable, {Bytes(free)} free" + (newestBackupBytes > 0 ? $" (newest backup {Bytes(newestBackupBytes)})" : ""));
    }

    private static DoctorCheck Schedule(string scope, ManagedDatabaseOptions db)
    {
        try
        {
            if (CronRule.Read(db.Schedule, Contracts.Agents.ManagedDatabase.DefaultSchedule) is ({ } text, var seconds))
            {
                Cronos.CronExpression.Parse(text, seconds ? Cronos.CronFormat.IncludeSeconds : Cronos.CronFormat.Standard);
            }

            if (!string.IsNullOrWhiteSpace(db.TimeZone)) TimeZoneInfo.FindSystemTimeZoneById(db.TimeZone);
            return DoctorCheck.Ok(scope, "schedule", $"'{db.Schedule}' in {db.TimeZone ?? "UTC"}");
        }
        catch (Exception e) when (e is Cronos.CronFormatException or FormatException or TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return DoctorCheck.Fail(scope, "schedule", e.Message, "Fix Agent:Databases:N:Schedule (cron or 'off') and TimeZone (an IANA name).");
        }
    }

    private async Task<List<DoctorCheck>> DatabaseAsync(string scope, ManagedDatabaseOptions db, int? dumpMajor, int? restoreMajor, CancellationToken ct)
    {
        var checks = new List<DoctorCheck>();
        var builder = new NpgsqlConnectionStringBuilder(PgConnectionStrings.Normalize(db.ConnectionString)) { Timeout = 5, Pooling = false };
        var who = $"{builder.Username ?? "(default user)"}@{builder.Host}:{builder.Port}";
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            checks.Add(DoctorCheck.Fail(scope, "reachable", $"cannot connect as {who}: {Redact(e.Message, builder.Password)}",
                "Check that the server is up and that Agent:Databases:N:ConnectionString has the right host, port, user and password."));
            return checks;
        }

        checks.Add(DoctorCheck.Ok(scope, "reachable", $"connected as {who}"));
        var serverMajor = connection.PostgreSqlVersion.Major >= 10 ? connection.PostgreSqlVersion.Major : connection.PostgreSqlVersion.Major * 10 + connection.PostgreSqlVersion.Minor;
        checks.Add(VersionCheck(scope, serverMajor, dumpMajor, restoreMajor));

        await using (var rights = new NpgsqlCommand("""
            select r.rolsuper, r.rolcreatedb,
                   has_database_privilege(current_user, current_database(), 'CONNECT'),
                   (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                     where c.relkind in ('r', 'p', 'S') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
                       and not has_table_privilege(current_user, c.oid, 'SELECT')),
                   (select string_agg(quote_ident(n.nspname) || '.' || quote_ident(c.relname), ', ') from (
                       select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace
                        where c.relkind in ('r', 'p', 'S') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
                          and not has_table_privilege(current_user, c.oid, 'SELECT') limit 5) x
                     join pg_class c on c.oid = x.oid join pg_namespace n on n.oid = c.relnamespace)
              from pg_roles r where r.rolname = current_user
            """, connection))
        await using (var reader = await rights.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            var superuser = reader.GetBoolean(0);
            var unreadable = reader.GetInt64(3);
            checks.Add(unreadable == 0
                ? DoctorCheck.Ok(scope, "backup rights", superuser ? "superuser" : "can read every table and sequence")
                : DoctorCheck.Fail(scope, "backup rights", $"{builder.Username} cannot read {unreadable} table(s) or sequence(s), e.g. {reader.GetString(4)}",
                    $"GRANT pg_read_all_data TO {builder.Username} (PostgreSQL 14+), or GRANT SELECT on those tables and sequences."));
            checks.Add(superuser
                ? DoctorCheck.Ok(scope, "restore rights", "superuser (a restore closes the target to everyone but superusers)")
                : DoctorCheck.Fail(scope, "restore rights", $"{builder.Username} is not a superuser: restores and drills on this server will fail",
                    $"Give the agent a superuser role on this server for restores (ALTER ROLE {builder.Username} SUPERUSER), or never restore through it."));
        }

        return checks;
    }

    /// <summary>pg_dump refuses a server newer than itself; pg_restore must be able to read what pg_dump wrote.</summary>
    public static DoctorCheck VersionCheck(string scope, int serverMajor, int? dumpMajor, int? restoreMajor)
    {
        var install = $"Install postgresql-client-{serverMajor} (apt-get install postgresql-client-{serverMajor}) and set Agent:PgBinDir to /usr/lib/postgresql/{serverMajor}/bin.";
        if (dumpMajor is null || restoreMajor is null)
        {
            return DoctorCheck.Fail(scope, "version", $"server is PostgreSQL {serverMajor}; the tools could not be checked", install);
        }

        if (dumpMajor < serverMajor)
        {
            return DoctorCheck.Fail(scope, "version", $"pg_dump {dumpMajor} cannot dump a PostgreSQL {serverMajor} server (pg_dump refuses a newer server)", install);
        }

        if (restoreMajor < dumpMajor)
        {
            return DoctorCheck.Fail(scope, "version", $"pg_restore {restoreMajor} cannot read archives of pg_dump {dumpMajor}",
                $"Install pg_restore from the same package as pg_dump (postgresql-client-{dumpMajor}).");
        }

        return DoctorCheck.Ok(scope, "version", $"server PostgreSQL {serverMajor}, pg_dump {dumpMajor}, pg_restore {restoreMajor}");
    }

    private async Task<DoctorCheck> DecisionGraphAsync(string scope, ManagedDatabaseOptions db, CancellationToken ct)
    {
        var url = DecisionGraphClient.BaseOf(db.DecisionGraphUrl!);
        const string fix = "Check Agent:Databases:N:DecisionGraphUrl and that DecisionGraph is up.";
        try
        {
            var health = await decisionGraph!.HealthzAsync(url, ct);
            if (health.Status != 200)
            {
                return DoctorCheck.Fail(scope, "decisiongraph", $"{url.GetLeftPart(UriPartial.Authority)} /api/healthz answered {health.Status}", fix);
            }

            var tenant = db.DecisionGraphTenants.FirstOrDefault() ?? "default";
            var projections = await decisionGraph.ProjectionHealthAsync(url, db.DecisionGraphToken!, tenant, ct);
            return projections.Status is 401 or 403
                ? DoctorCheck.Fail(scope, "decisiongraph", $"reachable, but the token was refused ({projections.Status})",
                    "Set Agent:Databases:N:DecisionGraphToken to a valid DecisionGraph admin token.")
                : DoctorCheck.Ok(scope, "decisiongraph", $"{url.GetLeftPart(UriPartial.Authority)} healthy, token accepted");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return DoctorCheck.Fail(scope, "decisiongraph", $"{url.GetLeftPart(UriPartial.Authority)} not reachable: {e.Message}", fix);
        }
    }

    private static string Redact(string message, string? password) =>
        string.IsNullOrEmpty(password) ? message : message.Replace(password, "***", StringComparison.Ordinal);

    private static string Bytes(long n) => n >= 1L << 30 ? $"{n / (double)(1L << 30):0.0} GiB" : $"{n / (double)(1L << 20):0.0} MiB";
}
