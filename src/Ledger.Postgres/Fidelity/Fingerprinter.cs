using System.Data;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Ledger.Contracts.Fidelity;
using Npgsql;

namespace Ledger.Postgres.Fidelity;

/// <summary>
/// Captures a <see cref="DatabaseFingerprint"/>: every table's row count and content hash (computed inside the server,
/// no row reaches the client; see <see cref="RowHash"/>), every sequence's state, and every schema object's
/// definition. Two databases restored from the same dump have equal fingerprints (apart from
/// <see cref="DatabaseFingerprint.Database"/>, <see cref="DatabaseFingerprint.CapturedAt"/> and
/// <see cref="DatabaseFingerprint.DurationMs"/>, which <see cref="FingerprintComparer"/> ignores).
/// </summary>
public static class Fingerprinter
{
    /// <summary>
    /// Captures on an open connection, in whatever transaction it is in: inside a REPEATABLE READ transaction (the
    /// agent's, whose snapshot pg_dump reads) everything is read in that one snapshot. Never begins, commits or changes
    /// the isolation of a transaction; the settings it needs are transaction-local there (session-level otherwise) and
    /// put back before it returns. Sequences are the exception to "one snapshot": PostgreSQL does not version them, so
    /// their values are those of the moment they are read (as for pg_dump, which reads them at its own moment).
    /// </summary>
    public static async Task<DatabaseFingerprint> CaptureAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var capturedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();

        var session = await CanonicalSession.ApplyAsync(connection, ct).ConfigureAwait(false);
        DatabaseFingerprint fingerprint;
        try
        {
            var (database, serverVersion) = await ReadHeaderAsync(connection, ct).ConfigureAwait(false);
            var tables = await ReadTablesAsync(connection, ct).ConfigureAwait(false);
            var sequences = await ReadSequencesAsync(connection, ct).ConfigureAwait(false);
            var schema = await ReadSchemaObjectsAsync(connection, ct).ConfigureAwait(false);
            fingerprint = new DatabaseFingerprint(
                database, serverVersion, tables, sequences, schema, SchemaHash(schema), capturedAt, clock.ElapsedMilliseconds);
        }
        catch
        {
            await session.TryRestoreAsync().ConfigureAwait(false);
            throw;
        }

        await session.RestoreAsync(ct).ConfigureAwait(false);
        return fingerprint;
    }

    /// <summary>Opens its own connection and captures in a REPEATABLE READ READ ONLY transaction (one snapshot).</summary>
    /// <param name="connectionString">An Npgsql connection string or a libpq URI (see <see cref="PgConnectionStrings.Normalize"/>).</param>
    public static async Task<DatabaseFingerprint> CaptureAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = await OpenSnapshotAsync(connectionString, ct).ConfigureAwait(false);
        return await CaptureAsync(connection, ct).ConfigureAwait(false);
    }

    /// <summary>SHA-256 (lower-case hex) over the objects in canonical order, each field length-prefixed.</summary>
    public static string SchemaHash(IEnumerable<SchemaObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var text = new StringBuilder();
        foreach (var o in objects.OrderBy(o => o.Kind, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal))
        {
            foreach (var field in new[] { o.Kind, o.Name, o.Definition })
            {
                text.Append(field.Length).Append(':').Append(field);
            }

            text.Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>
    /// A connection (not pooled) with an open REPEATABLE READ READ ONLY transaction; the transaction ends when the
    /// connection is disposed.
    /// </summary>
    internal static async Task<NpgsqlConnection> OpenSnapshotAsync(string connectionString, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(PgConnectionStrings.Normalize(connectionString))
        {
            Pooling = false,
            ApplicationName = "dgledger-fingerprint",
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            _ = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
            await using var readOnly = new NpgsqlCommand("set transaction read only", connection);
            await readOnly.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<(string Database, string ServerVersion)> ReadHeaderAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select pg_catalog.current_database()::text, pg_catalog.current_setting('server_version')", connection);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return (reader.GetString(0), reader.GetString(1));
    }

    private static async Task<IReadOnlyList<TableFingerprint>> ReadTablesAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var found = new List<(string Schema, string Table, string ContentSql, string[] Keys)>();
        await using (var command = new NpgsqlCommand(CatalogSql.Tables, connection) { CommandTimeout = 0 })
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                found.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3)));
            }
        }

        found.Sort((a, b) => CompareNames(a.Schema, a.Table, b.Schema, b.Table));
        var tables = new List<TableFingerprint>(found.Count);
        await foreach (var row in RunEachAsync(connection, found.Select(f => f.ContentSql), ct).ConfigureAwait(false))
        {
            var (schema, table, _, keys) = found[tables.Count];
            tables.Add(new TableFingerprint(schema, table, row.GetInt64(0), RowHash.Combine(row.GetString(1), row.GetString(2)), keys));
        }

        return tables;
    }

    private static async Task<IReadOnlyList<SequenceValue>> ReadSequencesAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var found = new List<(string Schema, string Name, string ReadSql)>();
        await using (var command = new NpgsqlCommand(CatalogSql.Sequences, connection) { CommandTimeout = 0 })
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                found.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        found.Sort((a, b) => CompareNames(a.Schema, a.Name, b.Schema, b.Name));
        var sequences = new List<SequenceValue>(found.Count);
        await foreach (var row in RunEachAsync(connection, found.Select(f => f.ReadSql), ct).ConfigureAwait(false))
        {
            var (schema, name, _) = found[sequences.Count];
            sequences.Add(new SequenceValue(schema, name, row.GetInt64(0), row.GetBoolean(1)));
        }

        return sequences;
    }

    private static async Task<IReadOnlyList<SchemaObject>> ReadSchemaObjectsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var objects = new List<SchemaObject>();
        await using (var command = new NpgsqlCommand(CatalogSql.SchemaObjects, connection) { CommandTimeout = 0 })
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                objects.Add(new SchemaObject(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? "" : reader.GetString(2)));
            }
        }

        return
        [
            .. objects
                .OrderBy(o => o.Kind, StringComparer.Ordinal)
                .ThenBy(o => o.Name, StringComparer.Ordinal)
                .ThenBy(o => o.Definition, StringComparer.Ordinal),
        ];
    }

    /// <summary>Runs the one-row statements in a single round trip and yields each statement's row, in order.</summary>
    private static async IAsyncEnumerable<NpgsqlDataReader> RunEachAsync(
        NpgsqlConnection connection, IEnumerable<string> statements, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection) { Timeout = 0 };
        foreach (var sql in statements)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(sql));
        }

        if (batch.BatchCommands.Count == 0)
        {
            yield break;
        }

        await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
        do
        {
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException("A fingerprint statement returned no row.");
            }

            yield return reader;
        }
        while (await reader.NextResultAsync(ct).ConfigureAwait(false));
    }

    private static int CompareNames(string schemaA, string nameA, string schemaB, string nameB)
    {
        var bySchema = string.CompareOrdinal(schemaA, schemaB);
        return bySchema != 0 ? bySchema : string.CompareOrdinal(nameA, nameB);
    }
}
