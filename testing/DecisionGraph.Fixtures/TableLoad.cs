using Npgsql;

namespace DecisionGraph.Fixtures;

/// <summary>
/// One table's bulk load: its own connection and transaction, the table locked until commit, one binary COPY. Until
/// <see cref="CommitAsync"/>, a failure or a dispose leaves the table exactly as it was.
/// </summary>
internal sealed class TableLoad : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private NpgsqlBinaryImporter? _importer;
    private bool _committed;

    private TableLoad(string table, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Table = table;
        _connection = connection;
        _transaction = transaction;
    }

    public string Table { get; }

    public long Rows { get; private set; }

    /// <summary>The open COPY; call <see cref="Row"/> before the values of each row.</summary>
    public NpgsqlBinaryImporter Importer => _importer ?? throw new InvalidOperationException($"The COPY into {Table} has not begun.");

    /// <summary>Connects, begins a transaction and locks the table against other writers (readers see it empty) until commit.</summary>
    public static async Task<TableLoad> OpenAsync(string connectionString, string table, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct);
            var transaction = await connection.BeginTransactionAsync(ct);
            var load = new TableLoad(table, connection, transaction);
            await load.ExecuteAsync($"lock table {table} in exclusive mode", ct);
            return load;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<bool> IsEmptyAsync(CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select not exists (select 1 from {Table})", _connection, _transaction);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Sets session_replication_role = replica for this transaction, so row triggers do not fire. False (and nothing
    /// changed) when the role may not: that needs superuser, or on PostgreSQL 15+ a GRANT SET on the parameter.
    /// </summary>
    public async Task<bool> TryBypassTriggersAsync(CancellationToken ct)
    {
        await _transaction.SaveAsync("bypass_triggers", ct);
        try
        {
            await ExecuteAsync("set local session_replication_role = replica", ct);
            await _transaction.ReleaseAsync("bypass_triggers", ct);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            await _transaction.RollbackAsync("bypass_triggers", ct);
            return false;
        }
    }

    public async Task BeginCopyAsync(IReadOnlyList<string> columns, CancellationToken ct) =>
        _importer = await _connection.BeginBinaryImportAsync(
            $"copy {Table} ({string.Join(", ", columns)}) from stdin (format binary)", ct);

    /// <summary>Starts a row of the COPY.</summary>
    public NpgsqlBinaryImporter Row()
    {
        var importer = Importer;
        importer.StartRow();
        Rows++;
        return importer;
    }

    /// <summary>Ends the COPY and moves the table's sequence past the loaded ids. Still uncommitted.</summary>
    public async Task FinishAsync(string? sequenceColumn, CancellationToken ct)
    {
        var importer = Importer;
        await importer.CompleteAsync(ct);
        await importer.DisposeAsync();
        _importer = null;

        if (sequenceColumn is not null)
        {
            await ExecuteAsync(
                $"select setval(pg_get_serial_sequence('{Table}', '{sequenceColumn}'), coalesce(max({sequenceColumn}), 1), max({sequenceColumn}) is not null) from {Table}",
                ct);
        }
    }

    public async Task CommitAsync(CancellationToken ct)
    {
        await _transaction.CommitAsync(ct);
        _committed = true;
    }

    /// <summary>Without a commit, abandons the COPY and rolls everything back.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_importer is not null)
            {
                await _importer.DisposeAsync(); // cancels an unfinished COPY
            }

            if (!_committed && _connection.State == System.Data.ConnectionState.Open)
            {
                await _transaction.RollbackAsync();
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection is already broken; closing it below discards the transaction on the server.
        }
        finally
        {
            await _transaction.DisposeAsync();
            await _connection.DisposeAsync();
        }
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, _connection, _transaction);
        await command.ExecuteNonQueryAsync(ct);
    }
}
