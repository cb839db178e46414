using Ledger.Testing.Postgres;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ledger.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace Ledger.ScenarioTests.Postgres;

/// <summary>Options for a local cluster that ignore DGLEDGER_TEST_PG and Docker, so these scenarios test the cluster path itself.</summary>
internal static class LocalClusterOptions
{
    public static PostgresProvisionOptions InRoot(string? root = null) => new()
    {
        EnvironmentVariable = null,
        PreferLocalCluster = true,
        NamePrefix = "scenario",
        RootDirectory = root ?? new PostgresProvisionOptions().RootDirectory,
    };

    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static int PostmasterPid(string clusterDirectory) =>
        int.Parse(File.ReadLines(Path.Combine(clusterDirectory, "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture);
}

/// <summary>One local cluster shared by the tests of a class (not the lead's host fixture).</summary>
public sealed class LocalClusterFixture : IAsyncLifetime
{
    public PostgresInstance Pg { get; private set; } = null!;
    public List<string> Progress { get; } = [];
    public TimeSpan AcquireTime { get; private set; }

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        Pg = await PostgresProvisioner.AcquireAsync(LocalClusterOptions.InRoot(), Progress.Add);
        AcquireTime = clock.Elapsed;
    }

    public async Task DisposeAsync() => await Pg.DisposeAsync();
}

public sealed class when_a_local_cluster_is_acquired : IClassFixture<LocalClusterFixture>
{
    private readonly PostgresInstance _pg;
    private readonly List<string> _progress;
    private readonly TimeSpan _acquireTime;

    public when_a_local_cluster_is_acquired(LocalClusterFixture fixture, ITestOutputHelper output)
    {
        _pg = fixture.Pg;
        _progress = fixture.Progress;
        _acquireTime = fixture.AcquireTime;
        output.WriteLine($"acquired in {_acquireTime.TotalMilliseconds:F0} ms: {_pg.Describe()}");
        _progress.ForEach(output.WriteLine);
    }

    [Fact]
    public async Task it_answers_select_version_over_tcp_with_the_password()
    {
        await using var connection = new NpgsqlConnection(_pg.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select version()", connection);

        var version = (string?)await command.ExecuteScalarAsync();

        Assert.StartsWith("PostgreSQL ", version, StringComparison.Ordinal);
        Assert.Equal(PostgresInstanceKind.LocalCluster, _pg.Kind);
        Assert.Equal("127.0.0.1", new NpgsqlConnectionStringBuilder(_pg.ConnectionString).Host);
    }

    [Fact]
    public async Task it_really_checks_the_password()
    {
        var wrong = new NpgsqlConnectionStringBuilder(_pg.ConnectionString) { Password = "not-the-password", Pooling = false };
        await using var connection = new NpgsqlConnection(wrong.ConnectionString);

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);
    }

    [Fact]
    public async Task it_runs_with_the_fast_throwaway_settings()
    {
        await using var connection = new NpgsqlConnection(_pg.ConnectionString);
        await connection.OpenAsync();
        var settings = new Dictionary<string, string>();
        foreach (var name in new[] { "fsync", "synchronous_commit", "full_page_writes", "max_connections", "password_encryption" })
        {
            await using var show = new NpgsqlCommand($"SHOW {name}", connection);
            settings[name] = (string)(await show.ExecuteScalarAsync())!;
        }

        Assert.Equal("off", settings["fsync"]);
        Assert.Equal("off", settings["synchronous_commit"]);
        Assert.Equal("off", settings["full_page_writes"]);
        Assert.Equal("300", settings["max_connections"]);
        Assert.Equal("scram-sha-256", settings["password_encryption"]);
    }

    [Fact]
    public void it_is_ready_within_a_few_seconds_and_describes_itself_without_the_password()
    {
        var password = new NpgsqlConnectionStringBuilder(_pg.ConnectionString).Password!;

        Assert.True(_acquireTime < TimeSpan.FromSeconds(30), $"acquire took {_acquireTime}");
        Assert.DoesNotContain(password, _pg.Describe(), StringComparison.Ordinal);
        Assert.Contains("postgresql://postgres@127.0.0.1:", _pg.Describe(), StringComparison.Ordinal);
        Assert.All(_progress, line => Assert.DoesNotContain(password, line, StringComparison.Ordinal));
    }

    [Fact]
    public void it_lives_in_a_named_directory_with_an_owner_marker()
    {
        var directory = _pg.ClusterDirectory!;

        Assert.StartsWith($"scenario-{Environment.ProcessId}-", Path.GetFileName(directory), StringComparison.Ordinal);
        Assert.Contains($"pid={Environment.ProcessId}", File.ReadAllText(Path.Combine(directory, "dgledger-owner")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "initdb.pw")), "the initdb password file must not outlive initdb");
    }

    [Fact]
    public async Task it_creates_a_database_and_returns_a_connection_string_for_it()
    {
        var connectionString = await _pg.CreateDatabaseAsync("scenario_created");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select current_database()", connection);

        Assert.Equal("scenario_created", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task it_refuses_to_create_a_database_that_exists_and_drops_nothing()
    {
        var connectionString = await _pg.CreateDatabaseAsync("scenario_twice");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("create table keep_me(id int); insert into keep_me values (1)", connection);
            await create.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<PostgresException>(() => _pg.CreateDatabaseAsync("scenario_twice"));

        Assert.Equal(PostgresErrorCodes.DuplicateDatabase, error.SqlState);
        await using var again = new NpgsqlConnection(connectionString);
        await again.OpenAsync();
        await using var count = new NpgsqlCommand("select count(*) from keep_me", again);
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task it_refuses_a_database_name_that_is_not_an_identifier()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _pg.CreateDatabaseAsync("x\"; drop database postgres; --"));

        Assert.Equal("name", error.ParamName);
    }

    [Fact]
    public async Task it_drops_a_database_even_while_someone_is_connected()
    {
        var connectionString = await _pg.CreateDatabaseAsync("scenario_dropped");
        await using var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await holder.OpenAsync();

        await _pg.DropDatabaseAsync("scenario_dropped");

        Assert.False(await DatabaseExistsAsync("scenario_dropped"));
    }

    [Fact]
    public async Task it_refuses_to_drop_a_system_database()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _pg.DropDatabaseAsync("postgres"));

        Assert.True(await DatabaseExistsAsync("postgres"));
    }

    private async Task<bool> DatabaseExistsAsync(string name)
    {
        await using var connection = new NpgsqlConnection(_pg.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from pg_database where datname = @name", connection);
        command.Parameters.AddWithValue("name", name);
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }
}

public sealed class DumpSourceFixture : IAsyncLifetime
{
    public PostgresInstance Pg { get; private set; } = null!;
    public string Source { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Pg = await PostgresProvisioner.AcquireAsync(LocalClusterOptions.InRoot());
        Source = await Pg.CreateDatabaseAsync("dump_source");
        await using var connection = new NpgsqlConnection(Source);
        await connection.OpenAsync();
        await using var seed = new NpgsqlCommand(
            "create table widgets(id int primary key, name text); insert into widgets select g, 'widget ' || g from generate_series(1, 1000) g",
            connection);
        await seed.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await Pg.DisposeAsync();
}

public sealed class when_pg_dump_runs_through_the_runner(DumpSourceFixture fixture) : IClassFixture<DumpSourceFixture>
{
    private readonly PostgresInstance _pg = fixture.Pg;
    private readonly string _source = fixture.Source;

    [Fact]
    public async Task it_produces_a_custom_format_dump_using_the_connection_string_password()
    {
        var tools = PgToolPaths.Locate();
        using var dump = new MemoryStream();

        var result = await PgProcessRunner.Default.RunAsync(
            new PgCommand(tools.PgDump, ["--format=custom", "--no-owner"]) { ConnectionString = _source }, dump);

        Assert.True(result.Succeeded, result.StderrTail);
        Assert.Equal("PGDMP", Encoding.ASCII.GetString(dump.GetBuffer(), 0, 5));
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(_source).Password!, result.CommandLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_dump_restores_into_a_new_database_through_stdin()
    {
        var tools = PgToolPaths.Locate();
        using var dump = new MemoryStream();
        (await PgProcessRunner.Default.RunAsync(
            new PgCommand(tools.PgDump, ["--format=custom", "--no-owner"]) { ConnectionString = _source }, dump)).EnsureSuccess();
        dump.Position = 0;
        var target = await _pg.CreateDatabaseAsync("restore_target");

        var restore = await PgProcessRunner.Default.RunAsync(
            // pg_restore insists on -d to restore into a database; a bare name suffices, the rest comes from the environment.
            new PgCommand(tools.PgRestore, ["--no-owner", "--exit-on-error", "--dbname=restore_target"])
            {
                ConnectionString = target,
                StandardInput = dump,
            });

        Assert.True(restore.Succeeded, restore.StderrTail);
        await using var connection = new NpgsqlConnection(target);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("select count(*) from widgets", connection);
        Assert.Equal(1000L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task a_wrong_password_fails_with_the_servers_message_in_the_stderr_tail()
    {
        var tools = PgToolPaths.Locate();
        var wrong = new NpgsqlConnectionStringBuilder(_source) { Password = "wrong-password" }.ConnectionString;

        var result = await PgProcessRunner.Default.RunAsync(new PgCommand(tools.PgDump, ["--format=custom"]) { ConnectionString = wrong }, Stream.Null);

        Assert.False(result.Succeeded);
        Assert.Contains("password authentication failed", result.StderrTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task psql_answers_through_a_url_connection_string()
    {
        var tools = PgToolPaths.Locate();
        var b = new NpgsqlConnectionStringBuilder(_source);
        var url = $"postgresql://{b.Username}:{Uri.EscapeDataString(b.Password!)}@{b.Host}:{b.Port}/{b.Database}?application_name=dgledger-scenario";

        var result = await PgProcessRunner.Default.RunAsync(new PgCommand(tools.Psql,
            ["--no-psqlrc", "--tuples-only", "--no-align", "-c", "select current_database() || ' ' || current_setting('application_name')"])
        {
            ConnectionString = url,
        });

        Assert.True(result.Succeeded, result.StderrTail);
        Assert.Equal("dump_source dgledger-scenario", result.StdoutText?.Trim());
    }
}

public sealed class when_a_cluster_is_disposed
{
    [Fact]
    public async Task it_stops_the_server_and_removes_the_directory()
    {
        var pg = await PostgresProvisioner.AcquireAsync(LocalClusterOptions.InRoot());
        var directory = pg.ClusterDirectory!;
        var postmaster = LocalClusterOptions.PostmasterPid(directory);
        Assert.True(LocalClusterOptions.IsAlive(postmaster));

        await pg.DisposeAsync();

        Assert.False(Directory.Exists(directory));
        Assert.False(LocalClusterOptions.IsAlive(postmaster));
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Pooling = false, Timeout = 3 }.ConnectionString);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());
    }

    [Fact]
    public async Task disposing_twice_is_harmless()
    {
        var pg = await PostgresProvisioner.AcquireAsync(LocalClusterOptions.InRoot());

        await pg.DisposeAsync();
        await pg.DisposeAsync();

        Assert.False(Directory.Exists(pg.ClusterDirectory));
    }
}

public sealed class when_an_earlier_run_crashed_and_left_a_cluster_behind : IDisposable
{
    private readonly string _root = Path.Combine("/tmp", "dgledger-pg-stale-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task the_next_acquire_stops_it_and_deletes_its_directory()
    {
        // A real cluster whose owner marker names a process that no longer exists: what a killed test run leaves.
        var crashed = await PostgresProvisioner.AcquireAsync(LocalClusterOptions.InRoot(_root));
        var staleDirectory = crashed.ClusterDirectory!;
        var stalePostmaster = LocalClusterOptions.PostmasterPid(staleDirectory);
        File.WriteAllText(Path.Combine(staleDirectory, "dgledger-owner"), $"pid={DeadPid()}\nstart=1\n");
        var progress = new List<string>();

        await using var next = await PostgresProvisioner.AcquireAsync(LocalClusterOptions.InRoot(_root), progress.Add);

        Assert.False(Directory.Exists(staleDirectory));
        Assert.False(LocalClusterOptions.IsAlive(stalePostmaster));
        Assert.Contains(progress, line => line.Contains("removing stale cluster", StringComparison.Ordinal) && line.Contains(staleDirectory, StringComparison.Ordinal));
        Assert.True(Directory.Exists(next.ClusterDirectory));
        await crashed.DisposeAsync(); // must cope with its directory being gone
    }

    [Fact]
    public async Task a_cluster_whose_owner_is_alive_is_left_alone()
    {
        await using var neighbour = await PostgresProvisioner.AcquireAsync(LocalClusterOptions.InRoot(_root));

        await using var next = await PostgresProvisioner.AcquireAsync(LocalClusterOptions.InRoot(_root));

        Assert.True(Directory.Exists(neighbour.ClusterDirectory));
        Assert.True(LocalClusterOptions.IsAlive(LocalClusterOptions.PostmasterPid(neighbour.ClusterDirectory!)));
    }

    [Fact]
    public async Task directories_that_are_not_named_like_clusters_are_never_touched()
    {
        var foreign = Directory.CreateDirectory(Path.Combine(_root, "not-a-cluster")).FullName;
        File.WriteAllText(Path.Combine(foreign, "dgledger-owner"), $"pid={DeadPid()}\nstart=1\n");

        await using var next = await PostgresProvisioner.AcquireAsync(LocalClusterOptions.InRoot(_root));

        Assert.True(Directory.Exists(foreign));
    }

    private static int DeadPid()
    {
        using var process = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}

public sealed class when_clusters_are_copied_from_the_initdb_template : IDisposable
{
    private readonly string _root = Path.Combine("/tmp", "dgledger-pg-template-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task each_copy_gets_its_own_password_and_the_template_stays_for_the_next_run()
    {
        var firstProgress = new List<string>();
        var secondProgress = new List<string>();

        await using var first = await PostgresProvisioner.AcquireAsync(LocalClusterOptions.InRoot(_root), firstProgress.Add);
        await using var second = await PostgresProvisioner.AcquireAsync(LocalClusterOptions.InRoot(_root), secondProgress.Add);

        Assert.Contains(firstProgress, line => line.Contains("made the initdb template", StringComparison.Ordinal));
        Assert.Contains(secondProgress, line => line.Contains("copied from", StringComparison.Ordinal));
        var template = Assert.Single(Directory.GetDirectories(_root, "_template-*"));
        var templatePassword = File.ReadAllText(Path.Combine(template, "superuser.pw")).Trim();
        var secondPort = new NpgsqlConnectionStringBuilder(second.ConnectionString).Port;
        foreach (var wrong in new[] { templatePassword, new NpgsqlConnectionStringBuilder(first.ConnectionString).Password! })
        {
            var attempt = new NpgsqlConnectionStringBuilder(second.ConnectionString) { Password = wrong, Pooling = false };
            await using var connection = new NpgsqlConnection(attempt.ConnectionString);
            var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
            Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);
        }

        await using (var right = new NpgsqlConnection(second.ConnectionString))
        {
            await right.OpenAsync();
            Assert.Equal(secondPort, right.Port);
        }

        await first.DisposeAsync();
        await second.DisposeAsync();
        Assert.True(File.Exists(Path.Combine(template, "data", "PG_VERSION")), "the template outlives the clusters");
    }

    [Fact]
    public async Task without_the_template_every_cluster_runs_initdb()
    {
        var progress = new List<string>();

        await using var pg = await PostgresProvisioner.AcquireAsync(
            LocalClusterOptions.InRoot(_root) with { ReuseInitdbTemplate = false }, progress.Add);

        Assert.Contains(progress, line => line.Contains("fresh initdb", StringComparison.Ordinal));
        Assert.Empty(Directory.GetDirectories(_root, "_template-*"));
    }
}

public sealed class when_the_environment_names_a_server : IAsyncLifetime
{
    private readonly string _variable = "DGLEDGER_TEST_PG_SCENARIO_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private PostgresInstance _server = null!;

    public async Task InitializeAsync()
    {
        _server = await PostgresProvisioner.AcquireAsync(LocalClusterOptions.InRoot());
        var b = new NpgsqlConnectionStringBuilder(_server.ConnectionString);
        Environment.SetEnvironmentVariable(_variable,
            $"postgresql://{b.Username}:{Uri.EscapeDataString(b.Password!)}@{b.Host}:{b.Port}/postgres");
    }

    public async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable(_variable, null);
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task it_uses_that_server_and_on_dispose_drops_only_what_it_created()
    {
        await _server.CreateDatabaseAsync("not_created_by_external");

        var external = await PostgresProvisioner.AcquireAsync(new PostgresProvisionOptions { EnvironmentVariable = _variable });
        await external.CreateDatabaseAsync("created_by_external");
        await external.DisposeAsync();

        Assert.Equal(PostgresInstanceKind.External, external.Kind);
        Assert.Null(external.ClusterDirectory);
        Assert.Equal(["not_created_by_external"], await UserDatabasesAsync());
    }

    [Fact]
    public async Task an_unreachable_server_is_reported_without_its_password()
    {
        var variable = _variable + "_DOWN";
        Environment.SetEnvironmentVariable(variable, "postgresql://dg:Unreachable-S3cret@127.0.0.1:1/postgres?connect_timeout=2");
        try
        {
            var error = await Assert.ThrowsAsync<PostgresUnavailableException>(
                () => PostgresProvisioner.AcquireAsync(new PostgresProvisionOptions { EnvironmentVariable = variable }));

            Assert.Contains(variable, error.Message, StringComparison.Ordinal);
            Assert.Contains("postgresql://dg@127.0.0.1:1/postgres", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Unreachable-S3cret", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    private async Task<List<string>> UserDatabasesAsync()
    {
        await using var connection = new NpgsqlConnection(_server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select datname from pg_database where datname not in ('postgres', 'template0', 'template1') order by 1", connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}

public sealed class when_acquiring_with_the_default_order(ITestOutputHelper output)
{
    [Fact]
    public async Task it_falls_through_to_a_working_server_when_no_docker_engine_answers()
    {
        var progress = new List<string>();
        var clock = Stopwatch.StartNew();

        await using var pg = await PostgresProvisioner.AcquireAsync(
            new PostgresProvisionOptions { EnvironmentVariable = "DGLEDGER_TEST_PG_UNSET_" + Guid.NewGuid().ToString("N"), NamePrefix = "scenario" },
            progress.Add);

        output.WriteLine($"{clock.ElapsedMilliseconds} ms: {pg.Describe()}");
        progress.ForEach(output.WriteLine);
        Assert.Contains(pg.Kind, new[] { PostgresInstanceKind.Container, PostgresInstanceKind.LocalCluster });
        if (pg.Kind == PostgresInstanceKind.LocalCluster)
        {
            Assert.Contains(progress, line => line.Contains("Docker", StringComparison.OrdinalIgnoreCase) || line.Contains("container", StringComparison.Ordinal));
        }

        await using var connection = new NpgsqlConnection(pg.ConnectionString);
        await connection.OpenAsync();
        Assert.True(connection.PostgreSqlVersion.Major >= 12, $"server version {connection.PostgreSqlVersion}");
    }
}
