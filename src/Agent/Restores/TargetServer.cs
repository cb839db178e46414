using System.Globalization;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.Agent.Restores;

/// <summary>A target database as the server describes it.</summary>
public sealed record TargetInfo(bool Exists, bool AllowConnections, int ConnectionLimit, long? SizeBytes, int Sessions);

/// <summary>
/// Operations on a restore target that must run from outside it: on the maintenance database of the server that
/// hosts it (create, close, end sessions, reopen). Names are validated and quoted; nothing is concatenated raw.
/// </summary>
public sealed class TargetServer : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;

    private TargetServer(NpgsqlConnection connection, string database) => (_connection, Database) = (connection, database);

    /// <summary>The target's name (a valid identifier).</summary>
    public string Database { get; }

    private string Quoted => PgIdentifier.Quote(Database);

    public static async Task<TargetServer> OpenAsync(ManagedDatabaseOptions host, string targetDatabase, CancellationToken ct)
    {
        PgIdentifier.EnsureValid(targetDatabase, nameof(targetDatabase));
        var maintenance = new NpgsqlConnectionStringBuilder(PgConnectionStrings.WithDatabase(host.ConnectionString, host.MaintenanceDatabase))
        {
            ApplicationName = "dgledger-agent",
            Pooling = false,
        };
        var connection = new NpgsqlConnection(maintenance.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return new TargetServer(connection, targetDatabase);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<bool> IsSuperuserAsync(CancellationToken ct) =>
        await ScalarAsync<bool>("select rolsuper from pg_catalog.pg_roles where rolname = current_user", ct);

    public async Task<TargetInfo> DescribeAsync(CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select d.datallowconn, d.datconnlimit, pg_catalog.pg_database_size(d.oid),
                   (select count(*)::int from pg_catalog.pg_stat_activity a where a.datname = d.datname and a.pid <> pg_catalog.pg_backend_pid())
            from pg_catalog.pg_database d where d.datname = $1
            """, _connection) { Parameters = { new() { Value = Database } } };
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new TargetInfo(true, reader.GetBoolean(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetInt32(3))
            : new TargetInfo(false, true, -1, null, 0);
    }

    /// <summary>Whether <paramref name="role"/> exists on this server.</summary>
    public Task<bool> RoleExistsAsync(string role, CancellationToken ct) =>
        ScalarAsync<bool>("select exists (select 1 from pg_catalog.pg_roles where rolname = $1)", ct, role);

    /// <summary>The role that owns the target; null when it does not exist.</summary>
    public async Task<string?> OwnerAsync(CancellationToken ct) =>
        await ScalarAsync<object>("select pg_catalog.pg_get_userbyid(datdba) from pg_catalog.pg_database where datname = $1", ct, Database) as string;

    /// <summary>The role this agent connects as.</summary>
    public Task<string> CurrentUserAsync(CancellationToken ct) => ScalarAsync<string>("select current_user::text", ct);

    /// <summary>Makes <paramref name="role"/> (a valid identifier) the target database's owner.</summary>
    public Task GiveToAsync(string role, CancellationToken ct) =>
        ExecuteAsync($"ALTER DATABASE {Quoted} OWNER TO {PgIdentifier.Quote(role)}", ct);

    /// <summary>
    /// The comment the agent writes on a database it created for a restore (<see cref="MarkCreatedAsync"/>): what a drill's
    /// drop checks before DROP DATABASE, so that only a database the drill's own restore created is ever dropped.
    /// </summary>
    public static string CreatedMarkerFor(Guid restoreId) => CreatedMarkerPrefix + restoreId.ToString("D", CultureInfo.InvariantCulture);

    public const string CreatedMarkerPrefix = "dgledger: created by restore ";

    /// <summary>Writes <see cref="CreatedMarkerFor"/> as the target's comment (COMMENT ON DATABASE; pg_restore without --create leaves it).</summary>
    public Task MarkCreatedAsync(Guid restoreId, CancellationToken ct) =>
        // A Guid's text is hex digits and dashes: nothing in it needs escaping inside the literal.
        ExecuteAsync($"COMMENT ON DATABASE {Quoted} IS '{CreatedMarkerFor(restoreId)}'", ct);

    /// <summary>The target's comment (null when it has none or does not exist).</summary>
    public async Task<string?> CommentAsync(CancellationToken ct) =>
        await ScalarAsync<object>("select pg_catalog.shobj_description(oid, 'pg_database') from pg_catalog.pg_database where datname = $1", ct, Database) as string;

    public Task CreateAsync(CancellationToken ct) => ExecuteAsync($"CREATE DATABASE {Quoted}", ct);

    /// <summary>Drops the target, ending its sessions (PostgreSQL 13+ <c>WITH (FORCE)</c>); false when it did not exist.</summary>
    public async Task<bool> DropAsync(CancellationToken ct)
    {
        var existed = (await DescribeAsync(ct)).Exists;
        await ExecuteAsync($"DROP DATABASE IF EXISTS {Quoted} WITH (FORCE)", ct);
        return existed;
    }

    /// <summary>
    /// Closes the target: no new connections (ALLOW_CONNECTIONS false), then every existing session ended, waiting until
    /// none is left. Returns how many sessions were ended.
    /// </summary>
    public async Task<int> CloseAsync(TimeSpan wait, CancellationToken ct, int? keep = null)
    {
        // keep: the restore's own lock session inside the target (TargetLocks), which must outlive the close.
        var others = keep is { } pid ? $" and pid <> {pid.ToString(CultureInfo.InvariantCulture)}" : "";
        await ExecuteAsync($"ALTER DATABASE {Quoted} WITH ALLOW_CONNECTIONS false", ct);
        var terminated = 0;
        var deadline = DateTimeOffset.UtcNow + wait;
        while (true)
        {
            // Materialized first: the planner may evaluate quals in any order, and pg_terminate_backend must only ever
            // see the target's sessions.
            terminated += await ScalarAsync<int>($"""
                with sessions as materialized (
                    select pid from pg_catalog.pg_stat_activity where datname = $1 and pid <> pg_catalog.pg_backend_pid(){others})
                select count(*)::int from sessions where pg_catalog.pg_terminate_backend(pid)
                """, ct, Database);
            if (await ScalarAsync<int>($"select count(*)::int from pg_catalog.pg_stat_activity where datname = $1{others}", ct, Database) == 0)
            {
                return terminated;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Sessions on {Database} were still there {wait.TotalSeconds:0}s after being ended.");
            }

            await Task.Delay(100, ct);
        }
    }

    /// <summary>
    /// Lets superusers in (pg_restore, as the agent's role) while application roles stay out: PostgreSQL admits no one,
    /// superusers included, to a database that does not allow connections, so during the restore the target allows
    /// them with a connection limit of 0, which only superusers pass.
    /// </summary>
    public Task OpenForRestoreAsync(CancellationToken ct) =>
        ExecuteAsync($"ALTER DATABASE {Quoted} WITH ALLOW_CONNECTIONS true CONNECTION LIMIT 0", ct);

    /// <summary>The application name of pg_restore's sessions (<see cref="RestoreRunner"/>), by which orphans are found.</summary>
    public const string RestoreApplicationName = "dgledger-restore";

    /// <summary>How many pg_restore sessions are connected to the target.</summary>
    public Task<int> RestoreSessionsAsync(CancellationToken ct) =>
        ScalarAsync<int>($"select count(*)::int from pg_catalog.pg_stat_activity where datname = $1 and application_name = '{RestoreApplicationName}'", ct, Database);

    /// <summary>
    /// Ends the sessions a pg_restore of an earlier incarnation of the agent still holds on the target (it would keep
    /// writing into it, or hold its locks); returns how many were ended.
    /// </summary>
    public Task<int> EndRestoreSessionsAsync(CancellationToken ct) =>
        ScalarAsync<int>($"""
            with sessions as materialized (
                select pid from pg_catalog.pg_stat_activity
                where datname = $1 and application_name = '{RestoreApplicationName}' and pid <> pg_catalog.pg_backend_pid())
            select count(*)::int from sessions where pg_catalog.pg_terminate_backend(pid)
            """, ct, Database);

    /// <summary>Puts the settings found before the restore back.</summary>
    public Task ReopenAsync(bool allowConnections, int connectionLimit, CancellationToken ct) =>
        ExecuteAsync($"ALTER DATABASE {Quoted} WITH ALLOW_CONNECTIONS {(allowConnections ? "true" : "false")} CONNECTION LIMIT {connectionLimit.ToString(CultureInfo.InvariantCulture)}", ct);

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<T> ScalarAsync<T>(string sql, CancellationToken ct, string? parameter = null)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        if (parameter is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
