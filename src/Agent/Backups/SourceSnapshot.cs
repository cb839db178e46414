using System.Data;
using Ledger.Contracts.Fidelity;
using Ledger.Postgres;
using Ledger.Postgres.Fidelity;
using Npgsql;

namespace Ledger.Agent.Backups;

/// <summary>
/// A REPEATABLE READ transaction on the source whose snapshot is exported to pg_dump (<c>--snapshot</c>), so that
/// what the agent counts is exactly what the dump contains, even while the application keeps writing.
/// It must stay open until pg_dump has finished.
/// </summary>
public sealed class SourceSnapshot : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private SourceSnapshot(NpgsqlConnection connection, NpgsqlTransaction transaction, string snapshotId, string serverVersion, string owner)
    {
        _connection = connection;
        _transaction = transaction;
        SnapshotId = snapshotId;
        ServerVersion = serverVersion;
        Owner = owner;
    }

    public string SnapshotId { get; }
    public string ServerVersion { get; }

    /// <summary>The role that owns the source database (recorded in BackupTaken: a restore gives the target to it by default).</summary>
    public string Owner { get; }

    /// <summary>The lock one backup of a database holds on its source, whichever agent or node takes it.</summary>
    public static long LockKey(string database) => PgAdvisoryLock.KeyFor("backup-source", database);

    public static async Task<SourceSnapshot> OpenAsync(string connectionString, TimeSpan lockWait, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = "dgledger-agent",
            Pooling = false,
        }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            // One backup of a database at a time, whichever agent or node asks: a session-level advisory lock on the
            // source itself, held until this connection closes. A second backup waits for the first (up to lockWait).
            // The key is the real database name (whatever label the configuration gives it).
            _ = await PgAdvisoryLock.AcquireOnAsync(connection, LockKey(connection.Database), lockWait, ct);

            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            await using (var readOnly = new NpgsqlCommand("set transaction read only", connection, transaction))
            {
                await readOnly.ExecuteNonQueryAsync(ct);
            }

            await using var command = new NpgsqlCommand(
                """
                select pg_catalog.pg_export_snapshot(), pg_catalog.current_setting('server_version'),
                       (select pg_catalog.pg_get_userbyid(d.datdba) from pg_catalog.pg_database d where d.datname = pg_catalog.current_database())
                """, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return new SourceSnapshot(connection, transaction, reader.GetString(0), reader.GetString(1), reader.GetString(2));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The fidelity fingerprint (row counts, content hashes, sequences, schema) read in the exported snapshot: exactly
    /// what pg_dump writes, even while the application keeps writing.
    /// </summary>
    public Task<DatabaseFingerprint> FingerprintAsync(CancellationToken ct) => Fingerprinter.CaptureAsync(_connection, ct);

    /// <summary>
    /// DecisionGraph's newest rows in the same snapshot (<see cref="Restores.Plausibility"/>): what a restore of this
    /// backup must find again. Null for a database that is not DecisionGraph's.
    /// </summary>
    public Task<DecisionGraphMarks?> MarksAsync(CancellationToken ct) => Restores.Plausibility.ReadAsync(_connection, ct);

    /// <summary>The workflows whose DecisionGraph exports go with this backup (<see cref="CompanionExports.ChooseAsync"/>), in this snapshot.</summary>
    public Task<IReadOnlyList<(string Tenant, string WorkflowId)>> ExportCandidatesAsync(DateTimeOffset? since, int max, CancellationToken ct) =>
        CompanionExports.ChooseAsync(_connection, since, max, ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _transaction.RollbackAsync();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection may already be gone; closing it below ends the transaction either way.
        }

        await _connection.DisposeAsync();
    }
}
