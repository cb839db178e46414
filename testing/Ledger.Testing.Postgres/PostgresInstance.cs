using Ledger.Postgres;
using System.Collections.Concurrent;
using Npgsql;

namespace Ledger.Testing.Postgres;

/// <summary>Where a <see cref="PostgresInstance"/> came from.</summary>
public enum PostgresInstanceKind
{
    /// <summary>A server named by a connection string in the environment; DgLedger does not own it.</summary>
    External,

    /// <summary>A container started through Testcontainers.</summary>
    Container,

    /// <summary>A throwaway cluster created with the local initdb and removed on dispose.</summary>
    LocalCluster,
}

/// <summary>
/// A real PostgreSQL to use (tests, demos), connected as a superuser. Disposing it removes what the provisioner
/// created: the cluster or container, or, for an external server, only the databases created through this object.
/// </summary>
public sealed class PostgresInstance : IAsyncDisposable
{
    private readonly Func<ValueTask> _teardown;
    private readonly ConcurrentDictionary<string, byte> _created = new(StringComparer.Ordinal);
    private readonly string _origin;
    private int _disposed;

    internal PostgresInstance(
        PostgresInstanceKind kind, string connectionString, string serverVersion, string origin, string? clusterDirectory,
        Func<ValueTask> teardown)
    {
        Kind = kind;
        ConnectionString = connectionString;
        ServerVersion = serverVersion;
        ClusterDirectory = clusterDirectory;
        _origin = origin;
        _teardown = teardown;
    }

    /// <summary>Superuser connection to the <c>postgres</c> database, Npgsql form (holds the password).</summary>
    public string ConnectionString { get; }

    public PostgresInstanceKind Kind { get; }

    /// <summary>The server's <c>server_version</c>, e.g. "15.18 (Debian 15.18-0+deb12u1)".</summary>
    public string ServerVersion { get; }

    /// <summary>The cluster's directory (data, socket, log) for <see cref="PostgresInstanceKind.LocalCluster"/>; otherwise null.</summary>
    public string? ClusterDirectory { get; }

    /// <summary>A secret-free description for logs, e.g. "local cluster postgresql://postgres@127.0.0.1:40123/postgres (PostgreSQL 15.18, /tmp/dgledger-pg/...)".</summary>
    public string Describe() =>
        $"{_origin} {PgConnectionStrings.Redact(ConnectionString)} (PostgreSQL {ServerVersion}{(ClusterDirectory is null ? "" : ", " + ClusterDirectory)})";

    public override string ToString() => Describe();

    /// <summary>The superuser connection string pointed at <paramref name="database"/>.</summary>
    public string ConnectionStringFor(string database) => PgConnectionStrings.WithDatabase(ConnectionString, database);

    /// <summary>
    /// Creates a database (the name must be a valid identifier, see <see cref="PgIdentifier"/>) and returns its
    /// connection string. Fails if it already exists: nothing is dropped to make room.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct = default)
    {
        PgIdentifier.EnsureValid(name, nameof(name));
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await ExecuteAsync($"CREATE DATABASE {PgIdentifier.Quote(name)}", ct).ConfigureAwait(false);
        _created.TryAdd(name, 0);
        return ConnectionStringFor(name);
    }

    /// <summary>Drops a database if it exists, disconnecting its sessions (<c>WITH (FORCE)</c>).</summary>
    public async Task DropDatabaseAsync(string name, CancellationToken ct = default)
    {
        PgIdentifier.EnsureValid(name, nameof(name));
        if (name is "postgres" or "template0" or "template1")
        {
            throw new ArgumentException($"Refusing to drop the system database {name}.", nameof(name));
        }

        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await ExecuteAsync($"DROP DATABASE IF EXISTS {PgIdentifier.Quote(name)} WITH (FORCE)", ct).ConfigureAwait(false);
        _created.TryRemove(name, out _);
        // FORCE ended the sessions server-side, but this process's pool still holds them as idle: a database created again
        // under the same name would hand one out, and its first command would fail with 57P01 (terminating connection due
        // to administrator command).
        using var stale = new NpgsqlConnection(ConnectionStringFor(name));
        NpgsqlConnection.ClearPool(stale);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Kind == PostgresInstanceKind.External)
        {
            foreach (var name in _created.Keys)
            {
                try
                {
                    await ExecuteAsync($"DROP DATABASE IF EXISTS {PgIdentifier.Quote(name)} WITH (FORCE)", CancellationToken.None)
                        .ConfigureAwait(false);
                }
                catch (NpgsqlException)
                {
                    // The server went away or refused; there is nothing more a dispose can do.
                }
            }
        }

        await _teardown().ConfigureAwait(false);
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
