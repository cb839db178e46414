using Ledger.Postgres;
using System.Diagnostics;
using System.Security.Cryptography;
using DotNet.Testcontainers.Builders;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Ledger.Testing.Postgres;

/// <summary>How <see cref="PostgresProvisioner.AcquireAsync"/> looks for a PostgreSQL.</summary>
public sealed record PostgresProvisionOptions
{
    public const string DefaultEnvironmentVariable = "DGLEDGER_TEST_PG";
    public const string DefaultImage = "postgres:15.8-alpine";

    /// <summary>The variable holding a connection string (URI or Npgsql form) to use first; null to never look.</summary>
    public string? EnvironmentVariable { get; init; } = DefaultEnvironmentVariable;

    /// <summary>The pinned container image tried when a Docker engine answers.</summary>
    public string Image { get; init; } = DefaultImage;

    /// <summary>First part of a local cluster's directory name (letters, digits, '-' and '_'; at most 24 characters).</summary>
    public string NamePrefix { get; init; } = "dgledger";

    /// <summary>Skip the Docker attempt and go straight to a local cluster when no connection string is set.</summary>
    public bool PreferLocalCluster { get; init; }

    /// <summary>Where local clusters live, one sub-directory each. Must be reachable by <see cref="ServerOsUser"/>.</summary>
    public string RootDirectory { get; init; } = OperatingSystem.IsWindows()
        ? Path.Combine(Path.GetTempPath(), "dgledger-pg")
        : "/tmp/dgledger-pg";

    /// <summary>A PostgreSQL bin directory to use instead of searching (see <see cref="PgToolPaths.Locate"/>).</summary>
    public string? BinDir { get; init; }

    /// <summary>The OS user that runs initdb and postgres when this process is root (they refuse to run as root).</summary>
    public string ServerOsUser { get; init; } = "postgres";

    /// <summary>
    /// Run initdb once per root directory and binaries, keep the result as a template (<c>_template-*</c>) and copy it
    /// for each cluster, giving each its own password; much faster than initdb when many clusters start at once.
    /// </summary>
    public bool ReuseInitdbTemplate { get; init; } = true;

    /// <summary>How long pg_ctl may wait for the local cluster to accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a container may take to start (image pull included) before falling back to a local cluster.</summary>
    public TimeSpan ContainerStartTimeout { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>No PostgreSQL could be provided; the message says what is missing and how to get it.</summary>
public sealed class PostgresUnavailableException : Exception
{
    public PostgresUnavailableException()
    {
    }

    public PostgresUnavailableException(string message) : base(message)
    {
    }

    public PostgresUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// Yields a real PostgreSQL, trying in order: a connection string in <c>DGLEDGER_TEST_PG</c>; a pinned container when
/// a Docker engine answers; a throwaway cluster made with the local initdb (as the <c>postgres</c> OS user when this
/// process is root), with scram-sha-256 and a random superuser password.
/// </summary>
public static class PostgresProvisioner
{
    /// <exception cref="PostgresUnavailableException">None of the three ways is possible; the message says what to install.</exception>
    public static async Task<PostgresInstance> AcquireAsync(
        PostgresProvisionOptions? options = null, Action<string>? progress = null, CancellationToken ct = default)
    {
        options ??= new PostgresProvisionOptions();
        progress ??= _ => { };

        var variable = options.EnvironmentVariable;
        string environmentPart;
        if (string.IsNullOrWhiteSpace(variable))
        {
            environmentPart = "no connection-string variable is configured";
        }
        else if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment)
        {
            return await ConnectExternalAsync(variable, fromEnvironment, progress, ct).ConfigureAwait(false);
        }
        else
        {
            environmentPart = $"{variable} is not set";
        }

        string dockerPart;
        if (options.PreferLocalCluster)
        {
            dockerPart = "Docker was skipped (PreferLocalCluster)";
        }
        else
        {
            var (container, reason) = await TryContainerAsync(options, progress, ct).ConfigureAwait(false);
            if (container is not null)
            {
                return container;
            }

            dockerPart = reason;
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PostgresUnavailableException(
                $"No PostgreSQL available: {environmentPart}, {dockerPart}, and throwaway local clusters are only made on Linux and macOS; set {variable ?? "DGLEDGER_TEST_PG"}=postgresql://user:pass@host:5432/postgres.");
        }

        PgToolPaths tools;
        try
        {
            tools = PgToolPaths.LocateServer(options.BinDir);
        }
        catch (PgToolsNotFoundException)
        {
            var hint = string.IsNullOrWhiteSpace(variable) ? "" : $" or set {variable}=postgresql://user:pass@host:5432/postgres";
            throw new PostgresUnavailableException(
                $"No PostgreSQL available: {environmentPart}, {dockerPart}, and initdb was not found; install the server with `apt-get install postgresql`{hint}.");
        }

        return await LocalCluster.StartAsync(tools, options, progress, ct).ConfigureAwait(false);
    }

    private static async Task<PostgresInstance> ConnectExternalAsync(
        string variable, string value, Action<string> progress, CancellationToken ct)
    {
        string connectionString;
        try
        {
            connectionString = PgConnectionStrings.Normalize(value);
        }
        catch (ArgumentException e)
        {
            throw new PostgresUnavailableException($"{variable} is set but unusable: {e.Message}");
        }

        var clock = Stopwatch.StartNew();
        var version = await ServerVersionAsync(connectionString, $"{variable} points at", ct).ConfigureAwait(false);
        progress($"using {PgConnectionStrings.Redact(connectionString)} from {variable} (PostgreSQL {version}, answered in {clock.ElapsedMilliseconds} ms)");
        return new PostgresInstance(PostgresInstanceKind.External, connectionString, version, $"external (from {variable})", null,
            () => ValueTask.CompletedTask);
    }

    private static async Task<(PostgresInstance? Instance, string Reason)> TryContainerAsync(
        PostgresProvisionOptions options, Action<string> progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var password = NewPassword();
        PostgreSqlContainer? container = null;
        try
        {
            container = new PostgreSqlBuilder(options.Image)
                .WithUsername("postgres")
                .WithPassword(password)
                .WithDatabase("postgres")
                .Build();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.ContainerStartTimeout);
            await container.StartAsync(timeout.Token).ConfigureAwait(false);

            var connectionString = PgConnectionStrings.Normalize(container.GetConnectionString());
            var version = await ServerVersionAsync(connectionString, "the container at", ct).ConfigureAwait(false);
            progress($"started container {options.Image} in {clock.ElapsedMilliseconds} ms");
            var started = container;
            return (new PostgresInstance(PostgresInstanceKind.Container, connectionString, version, $"container {options.Image}", null,
                () => started.DisposeAsync()), "");
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not PostgresUnavailableException)
        {
            await DisposeQuietlyAsync(container).ConfigureAwait(false);
            var reason = e is DockerUnavailableException
                ? "no Docker engine answers"
                : $"the {options.Image} container did not start ({e.GetType().Name})";
            progress($"{reason} (tried for {clock.ElapsedMilliseconds} ms)");
            return (null, reason);
        }
        catch
        {
            await DisposeQuietlyAsync(container).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task DisposeQuietlyAsync(PostgreSqlContainer? container)
    {
        if (container is null)
        {
            return;
        }

        try
        {
            await container.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a container that never started may fail to clean up in any number of ways; none matters here
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Opens one connection (no pooling) and returns <c>server_version</c>; failures become <see cref="PostgresUnavailableException"/>.</summary>
    internal static async Task<string> ServerVersionAsync(string connectionString, string what, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SHOW server_version", connection);
            return (string)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            var message = string.IsNullOrEmpty(builder.Password) ? e.Message : e.Message.Replace(builder.Password, "***", StringComparison.Ordinal);
            throw new PostgresUnavailableException(
                $"{what} {PgConnectionStrings.Redact(connectionString)} but PostgreSQL did not answer: {message}");
        }
    }

    internal static string NewPassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
}
