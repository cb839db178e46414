using Npgsql;

namespace Ledger.Postgres.Fidelity;

/// <summary>
/// The settings under which every value's text form, and every definition PostgreSQL prints, is the same on any
/// server: UTC, ISO dates, hex bytea, exact floats, the C monetary locale, and an empty search_path (so names are
/// schema-qualified exactly as pg_dump writes them). Applied to a connection someone else owns: inside the caller's
/// transaction the settings are transaction-local, otherwise session-level, and either way the previous values are
/// put back afterwards. Never begins, commits or changes the isolation of a transaction.
/// </summary>
internal sealed class CanonicalSession
{
    private static readonly (string Name, string Value)[] Settings =
    [
        ("TimeZone", "UTC"),
        ("DateStyle", "ISO, YMD"),
        ("IntervalStyle", "postgres"),
        ("extra_float_digits", "3"),
        ("bytea_output", "hex"),
        ("lc_monetary", "C"),
        ("search_path", ""),
    ];

    // A placeholder setting set transaction-locally by one statement and read by the next: it survives only when both
    // run inside the same transaction block. Npgsql does not say publicly whether a transaction is open.
    private const string ProbeSql = "select pg_catalog.set_config('dgledger.fingerprint_probe', 'in-transaction', true)";
    private const string ReadProbeSql = "select pg_catalog.current_setting('dgledger.fingerprint_probe', true) = 'in-transaction'";

    private const string ReadSql = "select pg_catalog.current_setting(name) from unnest(@names) with ordinality as s(name, n) order by n";
    private const string WriteSql = "select pg_catalog.set_config(name, value, @local) from unnest(@names, @values) as s(name, value)";

    private readonly NpgsqlConnection _connection;
    private readonly string[] _previous;

    private CanonicalSession(NpgsqlConnection connection, bool insideTransaction, string[] previous)
    {
        _connection = connection;
        InsideTransaction = insideTransaction;
        _previous = previous;
    }

    /// <summary>True when the connection was inside a transaction block (settings are then transaction-local).</summary>
    public bool InsideTransaction { get; }

    public static async Task<CanonicalSession> ApplyAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using (var probe = new NpgsqlCommand(ProbeSql, connection))
        {
            await probe.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        bool insideTransaction;
        await using (var read = new NpgsqlCommand(ReadProbeSql, connection))
        {
            insideTransaction = await read.ExecuteScalarAsync(ct).ConfigureAwait(false) is true;
        }

        var names = Settings.Select(s => s.Name).ToArray();
        var previous = new List<string>(names.Length);
        await using (var read = new NpgsqlCommand(ReadSql, connection))
        {
            read.Parameters.AddWithValue("names", names);
            await using var reader = await read.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                previous.Add(reader.GetString(0));
            }
        }

        var session = new CanonicalSession(connection, insideTransaction, [.. previous]);
        await session.WriteAsync(names, [.. Settings.Select(s => s.Value)], ct).ConfigureAwait(false);
        return session;
    }

    /// <summary>Puts the caller's settings back.</summary>
    public Task RestoreAsync(CancellationToken ct) => WriteAsync([.. Settings.Select(s => s.Name)], _previous, ct);

    /// <summary>
    /// After a failure: puts the settings back if the connection still can. An aborted transaction drops its local
    /// settings at rollback anyway; a broken connection has no session left to restore.
    /// </summary>
    public async Task TryRestoreAsync()
    {
        try
        {
            await RestoreAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Nothing more to do: see above.
        }
    }

    private async Task WriteAsync(string[] names, string[] values, CancellationToken ct)
    {
        await using var write = new NpgsqlCommand(WriteSql, _connection);
        write.Parameters.AddWithValue("names", names);
        write.Parameters.AddWithValue("values", values);
        write.Parameters.AddWithValue("local", InsideTransaction);
        await write.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
