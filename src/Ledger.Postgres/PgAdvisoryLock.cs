using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Ledger.Postgres;

/// <summary>
/// DgLedger's one PostgreSQL advisory lock: one key scheme (<see cref="KeyFor"/>), a bounded wait (PostgreSQL's
/// <c>lock_timeout</c>; past it <see cref="PgAdvisoryLockTimeoutException"/>), and a connection that is never left
/// holding the lock, whatever fails. Session-level: held until disposed or until its connection closes (a crashed holder
/// releases it with its backend).
/// </summary>
public sealed class PgAdvisoryLock : IAsyncDisposable
{
    /// <summary>Lock connections have a pool of their own, so requests waiting for a lock never drain the application's pool.</summary>
    private const string PoolName = "dgledger-lock";

    private readonly NpgsqlConnection _connection;
    private readonly bool _ownsConnection;
    private bool _released;

    private PgAdvisoryLock(NpgsqlConnection connection, long key, bool ownsConnection) =>
        (_connection, Key, _ownsConnection) = (connection, key, ownsConnection);

    public long Key { get; }

    /// <summary>
    /// The key of <paramref name="scope"/> (what is locked: "gate", "restore-target", "backup-source") and its parts: the
    /// first 8 bytes of SHA-256 over them, so different scopes never collide by construction of their parts.
    /// </summary>
    public static long KeyFor(string scope, params string[] parts)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        var text = "dgledger-" + scope + "\n" + string.Join('\n', parts);
        return BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0);
    }

    /// <summary>Takes the lock on a connection of its own (opened from <paramref name="connectionString"/>), waiting at most <paramref name="wait"/>.</summary>
    public static async Task<PgAdvisoryLock> AcquireAsync(string connectionString, long key, TimeSpan wait, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PgConnectionStrings.Normalize(connectionString))
        {
            ApplicationName = PoolName,
        }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            await LockAsync(connection, key, wait, ct);
            return new PgAdvisoryLock(connection, key, ownsConnection: true);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Takes the lock on an open connection the caller owns; disposing releases the lock and leaves the connection open.</summary>
    public static async Task<PgAdvisoryLock> AcquireOnAsync(NpgsqlConnection connection, long key, TimeSpan wait, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await LockAsync(connection, key, wait, ct);
        return new PgAdvisoryLock(connection, key, ownsConnection: false);
    }

    private static async Task LockAsync(NpgsqlConnection connection, long key, TimeSpan wait, CancellationToken ct)
    {
        if (wait <= TimeSpan.Zero)
        {
            // lock_timeout = 0 would mean "wait forever": the opposite of what a zero wait asks for.
            throw new ArgumentOutOfRangeException(nameof(wait), wait, "an advisory lock wait must be positive");
        }

        var milliseconds = (long)Math.Ceiling(Math.Min(wait.TotalMilliseconds, int.MaxValue));
        await ExecuteAsync(connection, $"set lock_timeout = {milliseconds}", null, ct);
        try
        {
            await ExecuteAsync(connection, "select pg_advisory_lock($1)", key, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw new PgAdvisoryLockTimeoutException(key, wait);
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await ExecuteAsync(connection, "reset lock_timeout", null, CancellationToken.None);
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, long? key, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (key is { } value)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        try
        {
            if (_connection.State == System.Data.ConnectionState.Open)
            {
                await using var command = new NpgsqlCommand("select pg_advisory_unlock($1)", _connection) { Parameters = { new() { Value = Key } } };
                await command.ExecuteNonQueryAsync();
            }
        }
        finally
        {
            if (_ownsConnection)
            {
                // A connection that failed to unlock is not returned to the pool with the lock held: closing it ends the
                // backend's locks (and Npgsql resets pooled sessions with DISCARD ALL, which releases them too).
                await _connection.DisposeAsync();
            }
        }
    }
}

/// <summary>Someone else held the lock for longer than the caller was willing to wait.</summary>
public sealed class PgAdvisoryLockTimeoutException(long key, TimeSpan wait)
    : TimeoutException($"another operation held the lock for longer than {wait.TotalSeconds:0.#} s")
{
    public long Key { get; } = key;
    public TimeSpan Wait { get; } = wait;
}
