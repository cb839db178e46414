using System.Collections.Concurrent;
using Ledger.Agent.Backups;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.Agent.Restores;

/// <summary>
/// One restore or backup of a database at a time on its server, whichever agent or node runs it. A restore holds, from
/// preflight until the target is reopened, session-level advisory locks with <see cref="SourceSnapshot.LockKey"/> of the
/// target's real name, taken on the TARGET server: one in the maintenance database (restore against restore; it can be
/// taken before the target exists) and one inside the target itself (restore against backup: PostgreSQL's advisory locks
/// are per database, and a backup takes its lock in the database it dumps). A lock that cannot be had within
/// <see cref="AgentOptions.TargetLockWait"/> refuses the restore at preflight, naming the holder from pg_locks and
/// pg_stat_activity, before anything changes.
///
/// Prepare and pg_restore are separate durable messages, so the locks live in this registry, keyed by restore id, on
/// connections of their own that outlive the Prepare step; Run releases them after reopening the target, and a failed
/// Prepare at once. If the agent restarted between the steps (the registry is empty) Run takes them again, the target
/// still closed, before pg_restore. A killed agent's locks die with its connections, so a crash never leaves one held.
/// </summary>
public sealed class TargetLocks(AgentOptions options, ILogger<TargetLocks> log)
{
    private readonly ConcurrentDictionary<Guid, Held> _held = new();

    /// <summary>The application name of the lock sessions, by which a refused restore names the agent holding them.</summary>
    public static string ApplicationNameFor(string agentId)
    {
        var name = ApplicationPrefix + agentId;
        return name.Length > PgIdentifier.MaxLength ? name[..PgIdentifier.MaxLength] : name;
    }

    private const string ApplicationPrefix = "dgledger-restore-lock ";

    /// <summary>Whether the restore holds its locks in this agent.</summary>
    public bool Holds(Guid restoreId) => _held.ContainsKey(restoreId);

    /// <summary>
    /// Takes the restore's locks (the target's too when it exists); null when they are held, else why not (the restore is
    /// then refused, nothing changed).
    /// </summary>
    public async Task<string?> AcquireAsync(Guid restoreId, ManagedDatabaseOptions host, string database, bool targetExists, CancellationToken ct)
    {
        if (_held.ContainsKey(restoreId))
        {
            return null;
        }

        var held = new Held();
        try
        {
            if (await LockInAsync(held, host, host.MaintenanceDatabase, database, ct) is { } busy)
            {
                await held.DisposeAsync();
                return busy;
            }

            if (targetExists && await LockInAsync(held, host, database, database, ct) is { } busyTarget)
            {
                await held.DisposeAsync();
                return busyTarget;
            }
        }
        catch
        {
            await held.DisposeAsync();
            throw;
        }

        _held[restoreId] = held;
        return null;
    }

    /// <summary>After the agent created the target: its own lock, so that a backup of it waits for the restore.</summary>
    public async Task<string?> AddTargetAsync(Guid restoreId, ManagedDatabaseOptions host, string database, CancellationToken ct) =>
        _held.TryGetValue(restoreId, out var held) && held.InTarget is null
            ? await LockInAsync(held, host, database, database, ct)
            : null;

    /// <summary>The backend of the lock session inside the target (closing the target must not end it), or null.</summary>
    public int? TargetSessionOf(Guid restoreId) => _held.TryGetValue(restoreId, out var held) ? held.InTarget?.ProcessID : null;

    /// <summary>Releases the restore's locks (closing their connections); harmless when none are held.</summary>
    public async Task ReleaseAsync(Guid restoreId)
    {
        if (_held.TryRemove(restoreId, out var held))
        {
            await held.DisposeAsync();
        }
    }

    private async Task<string?> LockInAsync(Held held, ManagedDatabaseOptions host, string lockDatabase, string target, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PgConnectionStrings.WithDatabase(host.ConnectionString, lockDatabase))
        {
            ApplicationName = ApplicationNameFor(options.Id),
            Pooling = false,
        }.ConnectionString);
        if (lockDatabase == target)
        {
            held.InTarget = connection;
        }
        else
        {
            held.InMaintenance = connection;
        }

        await connection.OpenAsync(ct);
        var key = SourceSnapshot.LockKey(target);
        try
        {
            await PgAdvisoryLock.AcquireOnAsync(connection, key, options.TargetLockWait, ct);
            return null;
        }
        catch (PgAdvisoryLockTimeoutException)
        {
            var holder = await HolderAsync(connection, key, ct);
            log.LogWarning("Restore into {Database}: {Holder} held its lock for longer than {Wait}", target, holder, options.TargetLockWait);
            return $"another restore or backup of {target} is running on this server ({holder}); it held the lock for longer than "
                   + $"{options.TargetLockWait.TotalSeconds:0.#} s (Agent:TargetLockWait) and nothing was changed: ask again when it has finished.";
        }
    }

    /// <summary>Who holds the advisory lock <paramref name="key"/> in the connection's database: its application name and backend.</summary>
    private static async Task<string> HolderAsync(NpgsqlConnection connection, long key, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select coalesce(nullif(a.application_name, ''), 'an unnamed session'), a.pid, coalesce(pg_catalog.host(a.client_addr), 'local')
            from pg_catalog.pg_locks l join pg_catalog.pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'advisory' and l.granted and l.objsubid = 1
              and l.database = (select oid from pg_catalog.pg_database where datname = pg_catalog.current_database())
              and ((l.classid::bigint << 32) | l.objid::bigint) = $1
            limit 1
            """, connection) { Parameters = { new() { Value = key } } };
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return "its holder has just gone";
        }

        var application = reader.GetString(0);
        var who = application.StartsWith(ApplicationPrefix, StringComparison.Ordinal)
            ? $"a restore by agent '{application[ApplicationPrefix.Length..]}'"
            : application.StartsWith("dgledger-agent", StringComparison.Ordinal) ? "a backup by a dgledger agent" : $"'{application}'";
        return $"{who}, backend {reader.GetInt32(1)} from {reader.GetString(2)}";
    }

    private sealed class Held : IAsyncDisposable
    {
        public NpgsqlConnection? InMaintenance { get; set; }
        public NpgsqlConnection? InTarget { get; set; }

        // Closing a connection ends its backend's session locks.
        public async ValueTask DisposeAsync()
        {
            if (InTarget is not null)
            {
                await InTarget.DisposeAsync();
            }

            if (InMaintenance is not null)
            {
                await InMaintenance.DisposeAsync();
            }
        }
    }
}
