using Ledger.Postgres;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Ledger.Testing.Postgres;

/// <summary>
/// A throwaway cluster from the local binaries, in <c>{root}/{prefix}-{pid}-{random}</c>: <c>data/</c>, <c>sock/</c>,
/// <c>postgres.log</c> and an owner marker (pid and process start time) so a later run can tell a crashed run's
/// leftovers from a live neighbour's and clean them up. The data directory is a copy of an initdb template kept in
/// <c>{root}/_template-*</c> (made once; initdb is most of the start-up time), and the superuser password is changed
/// to a fresh random one before the cluster is handed out.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static partial class LocalCluster
{
    internal const string MarkerFileName = "dgledger-owner";
    internal const string SuperUser = "postgres";
    private static readonly TimeSpan UnmarkedGrace = TimeSpan.FromMinutes(10);

    [GeneratedRegex(@"^[A-Za-z0-9_-]+-\d+-[a-z0-9]{8}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ClusterDirectoryName();

    public static async Task<PostgresInstance> StartAsync(
        PgToolPaths tools, PostgresProvisionOptions options, Action<string> progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var runAs = await ResolveServerUserAsync(options, ct).ConfigureAwait(false);
        var root = Path.GetFullPath(options.RootDirectory);
        PrepareRoot(root, runAs is not null);
        await SweepStaleAsync(root, tools, runAs, progress, ct).ConfigureAwait(false);

        var directory = Path.Combine(root, $"{SanitizePrefix(options.NamePrefix)}-{Environment.ProcessId}-{RandomToken()}");
        var cluster = new Cluster(directory, tools, runAs);
        Directory.CreateDirectory(directory);
        OwnerMarker.Write(directory, OwnerMarker.Current());
        try
        {
            var password = PostgresProvisioner.NewPassword();
            Directory.CreateDirectory(cluster.SocketDirectory);
            await ChownAsync(runAs, directory, ct).ConfigureAwait(false);

            var template = options.ReuseInitdbTemplate
                ? await GetTemplateAsync(root, tools, runAs, progress, ct).ConfigureAwait(false)
                : null;
            var connectPassword = password;
            string how;
            if (template is not null && await CopyTemplateAsync(template, cluster, progress, ct).ConfigureAwait(false))
            {
                connectPassword = template.Password;
                how = $"data directory copied from {template.Directory}";
            }
            else
            {
                await InitdbAsync(cluster, runAs, directory, cluster.DataDirectory, password, ct).ConfigureAwait(false);
                how = "fresh initdb";
            }

            var preparedMs = clock.ElapsedMilliseconds;
            await File.AppendAllTextAsync(Path.Combine(cluster.DataDirectory, "postgresql.conf"), Settings(cluster), ct)
                .ConfigureAwait(false);

            var port = await StartOnFreePortAsync(cluster, options, ct).ConfigureAwait(false);
            var connection = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port,
                Username = SuperUser,
                Password = connectPassword,
                Database = "postgres",
            };
            if (connectPassword != password)
            {
                // Every copy of the template starts with the template's password: give this cluster its own.
                await SetSuperuserPasswordAsync(connection.ConnectionString, password, ct).ConfigureAwait(false);
                connection.Password = password;
            }

            var connectionString = connection.ConnectionString;
            var version = await PostgresProvisioner.ServerVersionAsync(connectionString, "the throwaway cluster at", ct)
                .ConfigureAwait(false);

            cluster.ArmProcessExitCleanup();
            progress($"local cluster ready in {clock.ElapsedMilliseconds} ms ({how} after {preparedMs} ms) on 127.0.0.1:{port} in {directory}");
            return new PostgresInstance(PostgresInstanceKind.LocalCluster, connectionString, version, "local cluster", directory,
                cluster.DisposeAsync);
        }
        catch
        {
            await cluster.DestroyAsync(immediate: true).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task ChownAsync(string? runAs, string directory, CancellationToken ct)
    {
        if (runAs is not null)
        {
            (await PgProcessRunner.Default.RunAsync(new PgCommand("chown", ["-R", runAs + ":", directory]), ct: ct)
                .ConfigureAwait(false)).EnsureSuccess();
        }
    }

    /// <summary>
    /// initdb with scram-sha-256 for local and TCP connections and the given superuser password, handed over in a
    /// 0600 file inside <paramref name="workDirectory"/> that is deleted right after.
    /// </summary>
    private static async Task InitdbAsync(
        Cluster cluster, string? runAs, string workDirectory, string dataDirectory, string password, CancellationToken ct)
    {
        var passwordFile = Path.Combine(workDirectory, "initdb.pw");
        await File.WriteAllTextAsync(passwordFile, password + "\n", ct).ConfigureAwait(false);
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            await ChownAsync(runAs, passwordFile, ct).ConfigureAwait(false);
            var initdb = await cluster.RunAsServerUserAsync(cluster.Tools.Initdb,
                ["-D", dataDirectory, "-U", SuperUser, "--auth=scram-sha-256", "--pwfile=" + passwordFile,
                 "--no-sync", "--encoding=UTF8", "--locale=C"], ct).ConfigureAwait(false);
            if (!initdb.Succeeded)
            {
                throw new PostgresUnavailableException(
                    $"initdb failed in {workDirectory} (the directory must be reachable by the OS user {runAs ?? Environment.UserName}): {Tail(initdb.StderrTail)}");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static async Task SetSuperuserPasswordAsync(string connectionString, string password, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        // Utility statements take no parameters; the password is our own base64url string, quoted all the same.
        await using var command = new NpgsqlCommand(
            $"ALTER ROLE {SuperUser} PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'", connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    // ---- the initdb template --------------------------------------------------------------------------------------

    /// <summary>A pristine initdb result kept in the root directory, copied instead of running initdb for every cluster.</summary>
    internal sealed record Template(string Directory, string DataDirectory, string Password)
    {
        public const string Prefix = "_template-";
        public const string PasswordFileName = "superuser.pw";

        public static Template? TryOpen(string directory)
        {
            var data = Path.Combine(directory, "data");
            var passwordFile = Path.Combine(directory, PasswordFileName);
            try
            {
                return File.Exists(Path.Combine(data, "PG_VERSION")) && File.Exists(passwordFile)
                    ? new Template(directory, data, File.ReadAllText(passwordFile).Trim())
                    : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    private static readonly SemaphoreSlim TemplateGate = new(1, 1);

    /// <summary>
    /// The template for these binaries and this OS user, made on first use (built aside, then renamed into place, so a
    /// half-built template is never seen). Null, after a progress note, when it cannot be made: callers run initdb.
    /// </summary>
    private static async Task<Template?> GetTemplateAsync(
        string root, PgToolPaths tools, string? runAs, Action<string> progress, CancellationToken ct)
    {
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            Encoding.UTF8.GetBytes($"{tools.BinDir}|{runAs ?? Environment.UserName}|UTF8|C|scram-sha-256|v1")))[..12];
        var path = Path.Combine(root, Template.Prefix + key);

        await TemplateGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (Template.TryOpen(path) is { } existing)
            {
                return existing;
            }

            var building = Path.Combine(root, $"_building-{Environment.ProcessId}-{RandomToken()}");
            var builder = new Cluster(building, tools, runAs);
            Directory.CreateDirectory(building);
            OwnerMarker.Write(building, OwnerMarker.Current());
            try
            {
                var clock = Stopwatch.StartNew();
                var password = PostgresProvisioner.NewPassword();
                await ChownAsync(runAs, building, ct).ConfigureAwait(false);
                await InitdbAsync(builder, runAs, building, builder.DataDirectory, password, ct).ConfigureAwait(false);
                var passwordFile = Path.Combine(building, Template.PasswordFileName);
                await File.WriteAllTextAsync(passwordFile, password, ct).ConfigureAwait(false);
                File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                try
                {
                    Directory.Move(building, path);
                    progress($"made the initdb template {path} in {clock.ElapsedMilliseconds} ms");
                }
                catch (IOException) when (Directory.Exists(path))
                {
                    // another process put its template in place first: use that one
                }
            }
            finally
            {
                await builder.DestroyAsync(immediate: true, CancellationToken.None).ConfigureAwait(false);
            }

            return Template.TryOpen(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PgProcessFailedException)
        {
            progress($"no initdb template ({e.Message}); running initdb directly");
            return null;
        }
        finally
        {
            TemplateGate.Release();
        }
    }

    private static async Task<bool> CopyTemplateAsync(Template template, Cluster cluster, Action<string> progress, CancellationToken ct)
    {
        // cp -a keeps the server user's ownership and the 0700 mode postgres insists on.
        var copy = await PgProcessRunner.Default.RunAsync(
            new PgCommand("cp", ["-a", template.DataDirectory, cluster.DataDirectory]), ct: ct).ConfigureAwait(false);
        if (copy.Succeeded)
        {
            return true;
        }

        progress($"copying the initdb template failed ({Tail(copy.StderrTail)}); running initdb directly");
        if (Directory.Exists(cluster.DataDirectory))
        {
            Directory.Delete(cluster.DataDirectory, recursive: true);
        }

        return false;
    }

    private static string Settings(Cluster cluster)
    {
        // A socket path longer than ~100 bytes does not fit in sockaddr_un: go TCP-only rather than fail.
        var sockets = Path.Combine(cluster.SocketDirectory, ".s.PGSQL.65535").Length < 100
            ? cluster.SocketDirectory.Replace("'", "''", StringComparison.Ordinal)
            : "";
        return $"""

            # dgledger throwaway cluster: fast and unsafe by design, never for data that matters
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '{sockets}'
            max_connections = 300
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            logging_collector = off
            """;
    }

    private static async Task<int> StartOnFreePortAsync(Cluster cluster, PostgresProvisionOptions options, CancellationToken ct)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeTcpPort();
            var seconds = Math.Max(1, (int)options.StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            var start = await cluster.RunAsServerUserAsync(cluster.Tools.PgCtl,
                ["start", "-w", "-t", seconds, "-D", cluster.DataDirectory, "-l", cluster.LogFile,
                 "-o", "-p " + port.ToString(CultureInfo.InvariantCulture)], ct).ConfigureAwait(false);
            if (start.Succeeded)
            {
                return port;
            }

            var log = ReadTail(cluster.LogFile);
            var portTaken = log.Contains("could not bind", StringComparison.OrdinalIgnoreCase)
                            || log.Contains("already in use", StringComparison.OrdinalIgnoreCase);
            if (!portTaken || attempt == attempts)
            {
                throw new PostgresUnavailableException(
                    $"The throwaway cluster in {cluster.Directory} did not start: {Tail(start.StderrTail)} | log: {Tail(log)}");
            }

            // Someone took the port between our probe and postgres' bind: make sure nothing half-started, then retry.
            await cluster.StopAsync(immediate: true, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static int FreeTcpPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>
    /// Null when this process may run initdb itself; the OS user to run it as when this process is root.
    /// </summary>
    private static async Task<string?> ResolveServerUserAsync(PostgresProvisionOptions options, CancellationToken ct)
    {
        if (!IsRoot())
        {
            return null;
        }

        var user = options.ServerOsUser;
        if (PgToolPaths.FindOnPath("runuser") is null && !File.Exists("/usr/sbin/runuser") && !File.Exists("/sbin/runuser"))
        {
            throw new PostgresUnavailableException(
                "No PostgreSQL available: this process is root, initdb refuses to run as root, and runuser was not found to run it as another user; install it with `apt-get install util-linux` or run as a non-root user.");
        }

        var id = await PgProcessRunner.Default.RunAsync(new PgCommand("id", ["-u", user]), ct: ct).ConfigureAwait(false);
        if (!id.Succeeded)
        {
            throw new PostgresUnavailableException(
                $"No PostgreSQL available: this process is root, initdb refuses to run as root, and there is no OS user '{user}' to run it as; create one with `useradd --system {user}` (the postgresql package does) or set ServerOsUser.");
        }

        return user;
    }

    internal static bool IsRoot()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 2 && fields[2] == "0"; // real, effective, saved, fs
                }
            }
        }
        catch (IOException)
        {
            // no procfs
        }

        return Environment.UserName == "root";
    }

    private static void PrepareRoot(string root, bool othersMustTraverse)
    {
        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                              | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                                              | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        if (othersMustTraverse)
        {
            var mode = File.GetUnixFileMode(root);
            if ((mode & UnixFileMode.OtherExecute) == 0)
            {
                File.SetUnixFileMode(root, mode | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);
            }
        }
    }

    /// <summary>
    /// Stops (<c>-m immediate</c>) and deletes clusters whose owner process is gone, and unmarked cluster directories
    /// older than ten minutes. Only directories named like ours are considered. Problems are reported, not thrown.
    /// </summary>
    internal static async Task SweepStaleAsync(string root, PgToolPaths tools, string? runAs, Action<string> progress, CancellationToken ct)
    {
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(directory);
            if (name.StartsWith(Template.Prefix, StringComparison.Ordinal) || !ClusterDirectoryName().IsMatch(name))
            {
                continue;
            }

            var owner = OwnerMarker.Read(directory);
            string why;
            if (owner is not null)
            {
                if (owner.IsAlive())
                {
                    continue;
                }

                why = $"its owner process {owner.Pid} is gone";
            }
            else
            {
                DateTime modified;
                try
                {
                    modified = Directory.GetLastWriteTimeUtc(directory);
                }
                catch (IOException)
                {
                    continue;
                }

                if (DateTime.UtcNow - modified < UnmarkedGrace)
                {
                    continue; // probably being created right now
                }

                why = "it has no owner marker and is older than ten minutes";
            }

            progress($"removing stale cluster {directory}: {why}");
            var cluster = new Cluster(directory, tools, runAs);
            await cluster.DestroyAsync(immediate: true, ct).ConfigureAwait(false);
        }
    }

    private static string SanitizePrefix(string prefix)
    {
        var clean = new string(prefix.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_').Take(24).ToArray());
        return clean.Length == 0 ? "dgledger" : clean;
    }

    private static string RandomToken()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(8, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
    }

    private static string ReadTail(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            return text.Length > 4000 ? text[^4000..] : text;
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : string.Join(" | ", lines.TakeLast(4));
    }

    /// <summary>One cluster directory and the operations on it.</summary>
    internal sealed class Cluster(string directory, PgToolPaths tools, string? runAs)
    {
        private int _destroyed;
        private EventHandler? _processExit;

        public string Directory { get; } = directory;
        public PgToolPaths Tools { get; } = tools;
        public string DataDirectory => Path.Combine(Directory, "data");
        public string SocketDirectory => Path.Combine(Directory, "sock");
        public string LogFile => Path.Combine(Directory, "postgres.log");

        public Task<PgProcessResult> RunAsServerUserAsync(string executable, IReadOnlyList<string> arguments, CancellationToken ct)
        {
            var command = runAs is null
                ? new PgCommand(executable, arguments)
                : new PgCommand(RunUser, ["-u", runAs, "--", executable, .. arguments]);
            // The server user may not be able to enter our working directory (e.g. /root), which initdb and pg_ctl dislike.
            return PgProcessRunner.Default.RunAsync(command with { WorkingDirectory = Directory }, ct: ct);
        }

        private static string RunUser =>
            PgToolPaths.FindOnPath("runuser") ?? (File.Exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser");

        public async Task StopAsync(bool immediate, CancellationToken ct)
        {
            if (!File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                return;
            }

            await RunAsServerUserAsync(Tools.PgCtl,
                ["stop", "-D", DataDirectory, "-m", immediate ? "immediate" : "fast", "-w", "-t", "30"], ct).ConfigureAwait(false);
        }

        /// <summary>Stops the server if it runs and deletes the directory. Never throws for cleanup problems.</summary>
        public async Task DestroyAsync(bool immediate, CancellationToken ct = default)
        {
            if (Interlocked.Exchange(ref _destroyed, 1) != 0)
            {
                return;
            }

            if (_processExit is not null)
            {
                AppDomain.CurrentDomain.ProcessExit -= _processExit;
            }

            try
            {
                await StopAsync(immediate, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PgToolsNotFoundException or IOException or ArgumentException)
            {
                // the directory goes anyway
            }

            DeleteDirectory();
        }

        public ValueTask DisposeAsync() => new(DestroyAsync(immediate: false));

        public void ArmProcessExitCleanup()
        {
            // A test host that exits without disposing must not leave a postmaster behind.
            _processExit = (_, _) =>
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    DestroyAsync(immediate: true, timeout.Token).GetAwaiter().GetResult();
                }
                catch (OperationCanceledException)
                {
                    // the next AcquireAsync sweeps it as stale
                }
            };
            AppDomain.CurrentDomain.ProcessExit += _processExit;
        }

        private void DeleteDirectory()
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                try
                {
                    if (System.IO.Directory.Exists(Directory))
                    {
                        System.IO.Directory.Delete(Directory, recursive: true);
                    }

                    return;
                }
                catch (IOException) when (attempt < 2)
                {
                    Thread.Sleep(100); // a postmaster child may still be removing its files
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return; // left for the next sweep
                }
            }
        }
    }

    /// <summary>The owner marker: the pid and start time of the process that created a cluster.</summary>
    internal sealed record OwnerMarker(int Pid, long StartTime)
    {
        public static OwnerMarker Current() => new(Environment.ProcessId, ProcessStartTime(Environment.ProcessId) ?? 0);

        public static void Write(string directory, OwnerMarker marker) =>
            File.WriteAllText(Path.Combine(directory, MarkerFileName),
                $"pid={marker.Pid.ToString(CultureInfo.InvariantCulture)}\nstart={marker.StartTime.ToString(CultureInfo.InvariantCulture)}\n",
                Encoding.ASCII);

        public static OwnerMarker? Read(string directory)
        {
            try
            {
                int? pid = null;
                long start = 0;
                foreach (var line in File.ReadLines(Path.Combine(directory, MarkerFileName)))
                {
                    if (line.StartsWith("pid=", StringComparison.Ordinal) && int.TryParse(line[4..], CultureInfo.InvariantCulture, out var p))
                    {
                        pid = p;
                    }
                    else if (line.StartsWith("start=", StringComparison.Ordinal) && long.TryParse(line[6..], CultureInfo.InvariantCulture, out var s))
                    {
                        start = s;
                    }
                }

                return pid is null ? null : new OwnerMarker(pid.Value, start);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>Alive means: the pid exists, is not a zombie, and (when recorded) started at the same time, so a reused pid does not count.</summary>
        public bool IsAlive()
        {
            if (Directory.Exists("/proc/self"))
            {
                var stat = ReadStat(Pid);
                if (stat is null || stat.Value.State is 'Z' or 'X')
                {
                    return false;
                }

                return StartTime == 0 || stat.Value.StartTime == StartTime;
            }

            try
            {
                using var process = Process.GetProcessById(Pid);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        internal static long? ProcessStartTime(int pid) => ReadStat(pid)?.StartTime;

        private static (char State, long StartTime)? ReadStat(int pid)
        {
            try
            {
                var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
                // "pid (comm) state ppid ..." - comm may contain spaces and parentheses, so split after the last ')'.
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                // fields[0] is field 3 (state); starttime is field 22.
                return (fields[0][0], long.Parse(fields[19], CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                return null;
            }
        }
    }
}
