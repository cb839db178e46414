using Ledger.Contracts.Fidelity;
using Npgsql;

namespace Ledger.Postgres.Fidelity;

/// <summary>
/// Names the rows that differ in one table between two live databases, by key, without reading either table into
/// the client. Both sides group their rows into buckets by a hash of the key and sum the row hashes per bucket inside
/// the server; only bucket sums cross the wire. Buckets whose sums differ hold at least one differing row; when they
/// are still large, they are split again by more bits of the key hash, and only once they are small are their
/// (key, row hash) pairs fetched and matched.
/// </summary>
public static class KeyDiff
{
    /// <summary>Rows fetched per side at most once the differing buckets are small enough.</summary>
    internal const long FetchThreshold = 5_000;

    private const int FirstLevelBits = 12;
    private const int BitsPerLevel = 12;
    private const int HashBits = 64;

    /// <summary>
    /// Up to <paramref name="limit"/> keys (as text: the value, or <c>(a,b)</c> for a composite key) of rows that are
    /// changed, missing or extra in the target, in ordinal order; empty when the table has no key columns or a side
    /// lacks them, or when the tables hold the same rows.
    /// </summary>
    public static Task<IReadOnlyList<string>> FindDifferingKeysAsync(
        string sourceConnectionString,
        string targetConnectionString,
        TableFingerprint table,
        int limit = 20,
        CancellationToken ct = default) =>
        FindDifferingKeysAsync(sourceConnectionString, targetConnectionString, table, limit, FetchThreshold, ct);

    /// <summary>As above, fetching rows only once the differing buckets hold at most <paramref name="fetchThreshold"/> rows a side.</summary>
    internal static async Task<IReadOnlyList<string>> FindDifferingKeysAsync(
        string sourceConnectionString,
        string targetConnectionString,
        TableFingerprint table,
        int limit,
        long fetchThreshold,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (limit == 0 || table.KeyColumns.Count == 0)
        {
            return [];
        }

        await using var source = await Side.OpenAsync(sourceConnectionString, table, ct).ConfigureAwait(false);
        await using var target = await Side.OpenAsync(targetConnectionString, table, ct).ConfigureAwait(false);
        if (source.LacksKey || target.LacksKey || (source.Missing && target.Missing))
        {
            return [];
        }

        var bits = FirstLevelBits;
        (int Bits, long[] Buckets)? within = null;
        while (true)
        {
            var sourceBuckets = source.BucketsAsync(bits, within, ct);
            var targetBuckets = target.BucketsAsync(bits, within, ct);
            await Task.WhenAll(sourceBuckets, targetBuckets).ConfigureAwait(false);
            var (s, t) = (sourceBuckets.Result, targetBuckets.Result);

            // Each differing bucket holds at least one differing row, so `limit` of them are enough.
            var differing = s.Keys.Union(t.Keys)
                .Where(b => s.GetValueOrDefault(b) != t.GetValueOrDefault(b))
                .Order()
                .Take(limit)
                .ToArray();
            if (differing.Length == 0)
            {
                return [];
            }

            var rows = Math.Max(differing.Sum(b => s.GetValueOrDefault(b).Rows), differing.Sum(b => t.GetValueOrDefault(b).Rows));
            if (rows <= fetchThreshold || bits == HashBits)
            {
                var sourceRows = source.RowsAsync(bits, differing, ct);
                var targetRows = target.RowsAsync(bits, differing, ct);
                await Task.WhenAll(sourceRows, targetRows).ConfigureAwait(false);
                return Differing(sourceRows.Result, targetRows.Result, limit);
            }

            within = (bits, differing);
            bits = Math.Min(HashBits, bits + BitsPerLevel);
        }
    }

    private static List<string> Differing(Dictionary<string, (long, long)> source, Dictionary<string, (long, long)> target, int limit) =>
    [
        .. source.Keys.Union(target.Keys)
            .Where(key => !source.TryGetValue(key, out var s) || !target.TryGetValue(key, out var t) || s != t)
            .Order(StringComparer.Ordinal)
            .Take(limit),
    ];

    private readonly record struct Bucket(long Rows, string High, string Low);

    /// <summary>One database's view of the table: a snapshot, and the SQL fragments the server quoted for it.</summary>
    private sealed class Side : IAsyncDisposable
    {
        // Everything spliced into SQL later is produced here, by the server, with format('%I').
        private static readonly string ResolveSql = $"""
            select pg_catalog.format('only %I.%I', n.nspname, c.relname),
                   case when pg_catalog.cardinality(@keys) = 1 then pg_catalog.format('t.%I::text', (@keys)[1])
                        else 'row(' || (select pg_catalog.string_agg(pg_catalog.format('t.%I', u.k), ', ' order by u.o)
                                        from pg_catalog.unnest(@keys) with ordinality as u(k, o)) || ')::text' end,
                   {RowHash.RowExpressionSql("c.oid")},
                   (select pg_catalog.count(*) from pg_catalog.pg_attribute a
                    where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attname::text = any(@keys))
                   = pg_catalog.cardinality(@keys)
            from pg_catalog.pg_class c
            join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where n.nspname = @schema and c.relname = @table and c.relkind in ('r', 'p')
            """;

        private readonly NpgsqlConnection _connection;
        private readonly string? _relation;
        private readonly string? _keyText;
        private readonly string? _rowText;

        private Side(NpgsqlConnection connection, string? relation, string? keyText, string? rowText, bool lacksKey)
        {
            _connection = connection;
            _relation = relation;
            _keyText = keyText;
            _rowText = rowText;
            LacksKey = lacksKey;
        }

        /// <summary>The table is not in this database: every row of the other side differs.</summary>
        public bool Missing => _relation is null;

        /// <summary>The table is here but without all the key columns: rows cannot be matched by key.</summary>
        public bool LacksKey { get; }

        public static async Task<Side> OpenAsync(string connectionString, TableFingerprint table, CancellationToken ct)
        {
            var connection = await Fingerprinter.OpenSnapshotAsync(connectionString, ct).ConfigureAwait(false);
            try
            {
                await CanonicalSession.ApplyAsync(connection, ct).ConfigureAwait(false);
                await using var command = new NpgsqlCommand(ResolveSql, connection);
                command.Parameters.AddWithValue("keys", table.KeyColumns.ToArray());
                command.Parameters.AddWithValue("schema", table.Schema);
                command.Parameters.AddWithValue("table", table.Table);
                await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    return new Side(connection, null, null, null, lacksKey: false);
                }

                var hasKey = reader.GetBoolean(3);
                return new Side(connection, reader.GetString(0), reader.GetString(1), reader.GetString(2), lacksKey: !hasKey);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>Rows, and the sums of both row hashes, per bucket of the top <paramref name="bits"/> bits of the key hash.</summary>
        public async Task<Dictionary<long, Bucket>> BucketsAsync(int bits, (int Bits, long[] Buckets)? within, CancellationToken ct)
        {
            var buckets = new Dictionary<long, Bucket>();
            if (Missing)
            {
                return buckets;
            }

            // unnest(array[...]): a set-returning function keeps the row text from being built once per hash call.
            var sql = $"""
                select bucket, pg_catalog.count(*), pg_catalog.sum({RowHash.High("r")})::text, pg_catalog.sum({RowHash.Low("r")})::text
                from (select {BucketOf(KeyHash, bits)} as bucket, pg_catalog.unnest(array[{_rowText}]) as r
                      from {_relation} as t
                      {Within(within)}) as src
                group by 1
                """;
            await using var command = Command(sql, within);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                buckets[reader.GetInt64(0)] = new Bucket(reader.GetInt64(1), reader.GetString(2), reader.GetString(3));
            }

            return buckets;
        }

        /// <summary>Key text and both row hashes of the rows in <paramref name="buckets"/>.</summary>
        public async Task<Dictionary<string, (long, long)>> RowsAsync(int bits, long[] buckets, CancellationToken ct)
        {
            var rows = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
            if (Missing)
            {
                return rows;
            }

            var sql = $"""
                select key_text, {RowHash.High("r")}, {RowHash.Low("r")}
                from (select {_keyText} as key_text, pg_catalog.unnest(array[{_rowText}]) as r
                      from {_relation} as t
                      {Within((bits, buckets))}) as src
                """;
            await using var command = Command(sql, (bits, buckets));
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                rows[reader.IsDBNull(0) ? "" : reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
            }

            return rows;
        }

        public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);

        private string KeyHash => $"pg_catalog.hashtextextended({_keyText}, 7)";

        /// <summary>The top <paramref name="bits"/> bits of the key hash (arithmetic shift: equal prefixes, equal buckets).</summary>
        private static string BucketOf(string keyHash, int bits) =>
            bits >= HashBits ? keyHash : $"({keyHash} >> {HashBits - bits})";

        private string Within((int Bits, long[] Buckets)? within) =>
            within is null ? "" : $"where {BucketOf(KeyHash, within.Value.Bits)} = any(@buckets)";

        private NpgsqlCommand Command(string sql, (int Bits, long[] Buckets)? within)
        {
            var command = new NpgsqlCommand(sql, _connection) { CommandTimeout = 0 };
            if (within is not null)
            {
                command.Parameters.AddWithValue("buckets", within.Value.Buckets);
            }

            return command;
        }
    }
}
