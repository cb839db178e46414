using System.Data;
using System.Diagnostics;
using Ledger.Contracts.Fidelity;
using Ledger.Postgres.Fidelity;
using Npgsql;
using Xunit.Abstractions;
using static Ledger.ScenarioTests.Fidelity.FingerprintText;

namespace Ledger.ScenarioTests.Fidelity;

internal static class FingerprintText
{
    /// <summary>Tables as comparable text: records compare their key-column lists by reference, not by content.</summary>
    public static string[] Describe(IEnumerable<TableFingerprint> tables) =>
        [.. tables.Select(t => $"{t.Schema}.{t.Table} rows={t.Rows} hash={t.ContentHash} key=[{string.Join(',', t.KeyColumns)}]")];
}

// Real PostgreSQL, real pg_dump -Fc and pg_restore: a restore of the dump fingerprints exactly like its source, and
// each kind of change to the restored copy is detected and named precisely.

[Collection(FidelityCollection.Name)]
public sealed class when_a_dump_is_restored_unchanged(FidelityFixture fixture)
{
    [Fact]
    public async Task the_restore_fingerprints_exactly_like_its_source()
    {
        var target = await fixture.RestoreAsync();

        var source = await Fingerprinter.CaptureAsync(fixture.Source, CancellationToken.None);
        var restored = await Fingerprinter.CaptureAsync(target, CancellationToken.None);

        Assert.True(FingerprintComparer.Compare(source, restored).Identical);
        Assert.Equal(Describe(source.Tables), Describe(restored.Tables));
        Assert.Equal(source.Sequences, restored.Sequences);
        Assert.Equal(source.SchemaObjects, restored.SchemaObjects);
        Assert.Equal(source.SchemaHash, restored.SchemaHash);
        Assert.NotEqual(source.Database, restored.Database);
    }

    [Fact]
    public async Task the_fingerprint_covers_every_table_key_sequence_and_kind_of_object()
    {
        var fingerprint = await Fingerprinter.CaptureAsync(fixture.Source, CancellationToken.None);

        Assert.Equal(
            ["audit_log 3 []", "customers 3 [id]", "order_lines 4 [order_id,line_no]", "orders 3 [id]"],
            fingerprint.Tables.Select(t => $"{t.Table} {t.Rows} [{string.Join(',', t.KeyColumns)}]"));
        Assert.All(fingerprint.Tables, t => Assert.Matches("^[0-9a-f]{32}$", t.ContentHash));
        Assert.Contains(new SequenceValue("shop", "invoice_no", 1001, true), fingerprint.Sequences);
        Assert.Contains(new SequenceValue("shop", "orders_id_seq", 3, true), fingerprint.Sequences);
        var kinds = fingerprint.SchemaObjects.Select(o => o.Kind).ToHashSet();
        Assert.Superset(new HashSet<string> { "table", "column", "constraint", "index", "trigger", "function", "view", "sequence", "schema" }, kinds);
        Assert.Contains(new SchemaObject("column", "shop.order_lines.sku", "character varying(20) not null"), fingerprint.SchemaObjects);
        Assert.Contains(
            new SchemaObject("index", "shop.orders_placed_idx", "CREATE INDEX orders_placed_idx ON shop.orders USING btree (placed)"),
            fingerprint.SchemaObjects);
        Assert.DoesNotContain(fingerprint.SchemaObjects, o => o.Definition.Contains(fingerprint.Database, StringComparison.Ordinal));
    }
}

[Collection(FidelityCollection.Name)]
public sealed class when_the_restored_copy_is_changed(FidelityFixture fixture)
{
    private async Task<(FingerprintDiff Diff, DatabaseFingerprint Source, string Target)> ChangeAndCompareAsync(string sql)
    {
        var target = await fixture.RestoreAsync();
        await FidelityFixture.ExecuteAsync(target, sql);
        var source = await Fingerprinter.CaptureAsync(fixture.Source, CancellationToken.None);
        var diff = FingerprintComparer.Compare(source, await Fingerprinter.CaptureAsync(target, CancellationToken.None));
        Assert.False(diff.Identical);
        return (diff, source, target);
    }

    private Task<IReadOnlyList<string>> KeysAsync(DatabaseFingerprint source, string target, string table) =>
        KeyDiff.FindDifferingKeysAsync(fixture.Source, target, source.Tables.Single(t => t.Table == table));

    [Fact]
    public async Task one_updated_row_is_a_content_difference_naming_its_key()
    {
        var (diff, source, target) = await ChangeAndCompareAsync("update shop.orders set total = total + 1 where id = 2");

        var difference = Assert.Single(diff.Tables);
        Assert.Equal(("shop", "orders", "content", 3L, 3L), (difference.Schema, difference.Table, difference.Kind, difference.SourceRows, difference.TargetRows));
        Assert.Empty(diff.Sequences);
        Assert.Empty(diff.Schema);
        Assert.Equal(["2"], await KeysAsync(source, target, "orders"));
    }

    [Fact]
    public async Task one_deleted_row_is_a_row_count_difference_naming_its_composite_key()
    {
        var (diff, source, target) = await ChangeAndCompareAsync("delete from shop.order_lines where order_id = 1 and line_no = 2");

        var difference = Assert.Single(diff.Tables);
        Assert.Equal(("order_lines", "row-count", 4L, 3L), (difference.Table, difference.Kind, difference.SourceRows, difference.TargetRows));
        Assert.Equal(["(1,2)"], await KeysAsync(source, target, "order_lines"));
    }

    [Fact]
    public async Task a_null_turned_into_an_empty_string_is_a_content_difference()
    {
        var (diff, source, target) = await ChangeAndCompareAsync("update shop.customers set name = '' where id = 1");

        var difference = Assert.Single(diff.Tables);
        Assert.Equal(("customers", "content"), (difference.Table, difference.Kind));
        Assert.Equal(["1"], await KeysAsync(source, target, "customers"));
    }

    [Fact]
    public async Task a_value_turned_into_null_in_a_table_without_a_key_is_a_content_difference()
    {
        var (diff, _, _) = await ChangeAndCompareAsync("update shop.audit_log set detail = null where detail = '2'");

        Assert.Equal(("audit_log", "content"), (Assert.Single(diff.Tables).Table, diff.Tables[0].Kind));
    }

    [Fact]
    public async Task an_advanced_sequence_is_drift_with_both_values()
    {
        var (diff, _, _) = await ChangeAndCompareAsync("select nextval('shop.invoice_no')");

        Assert.Empty(diff.Tables);
        Assert.Equal(new SequenceDifference("shop", "invoice_no", 1001, 1002), Assert.Single(diff.Sequences));
    }

    [Fact]
    public async Task a_dropped_index_is_a_missing_index_with_its_definition()
    {
        var (diff, _, _) = await ChangeAndCompareAsync("drop index shop.orders_placed_idx");

        Assert.Empty(diff.Tables);
        var difference = Assert.Single(diff.Schema);
        Assert.Equal(("index", "shop.orders_placed_idx", "missing"), (difference.Kind, difference.Name, difference.Change));
        Assert.Equal("CREATE INDEX orders_placed_idx ON shop.orders USING btree (placed)", difference.SourceDefinition);
        Assert.Null(difference.TargetDefinition);
    }

    [Fact]
    public async Task a_dropped_trigger_is_a_missing_trigger()
    {
        var (diff, _, _) = await ChangeAndCompareAsync("drop trigger orders_audit on shop.orders");

        var difference = Assert.Single(diff.Schema);
        Assert.Equal(("trigger", "shop.orders.orders_audit", "missing"), (difference.Kind, difference.Name, difference.Change));
        Assert.Contains("EXECUTE FUNCTION shop.log_order()", difference.SourceDefinition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_changed_column_type_is_a_changed_column_with_both_definitions()
    {
        var (diff, _, _) = await ChangeAndCompareAsync("alter table shop.order_lines alter column sku type text");

        // The values read the same as text, so only the schema differs.
        Assert.Empty(diff.Tables);
        var difference = Assert.Single(diff.Schema);
        Assert.Equal(
            ("column", "shop.order_lines.sku", "changed", "character varying(20) not null", "text not null"),
            (difference.Kind, difference.Name, difference.Change, difference.SourceDefinition, difference.TargetDefinition));
    }

    [Fact]
    public async Task an_added_table_is_an_extra_table_and_extra_schema_objects()
    {
        var (diff, _, _) = await ChangeAndCompareAsync("create table shop.scratch (id int); insert into shop.scratch values (1)");

        var difference = Assert.Single(diff.Tables);
        Assert.Equal(("scratch", "extra", (long?)null, 1L), (difference.Table, difference.Kind, difference.SourceRows, difference.TargetRows));
        Assert.Equal(
            [("column", "shop.scratch.id", "extra"), ("table", "shop.scratch", "extra")],
            diff.Schema.Select(s => (s.Kind, s.Name, s.Change)));
    }

    [Fact]
    public async Task a_changed_function_body_is_a_changed_function()
    {
        var (diff, _, _) = await ChangeAndCompareAsync("""
            create or replace function shop.log_order() returns trigger language plpgsql as $$
            begin
                return new;
            end $$
            """);

        var difference = Assert.Single(diff.Schema);
        Assert.Equal(("function", "shop.log_order()", "changed"), (difference.Kind, difference.Name, difference.Change));
        Assert.Contains("insert into shop.audit_log", difference.SourceDefinition, StringComparison.Ordinal);
        Assert.DoesNotContain("insert into shop.audit_log", difference.TargetDefinition, StringComparison.Ordinal);
    }
}

[Collection(FidelityCollection.Name)]
public sealed class when_the_same_rows_arrive_differently(FidelityFixture fixture)
{
    private const string Table = "create table items (id int primary key, name text, price numeric, tags text[])";

    [Fact]
    public async Task rows_inserted_in_another_order_and_rewritten_in_place_give_an_equal_fingerprint()
    {
        var ascending = await fixture.NewDatabaseAsync();
        var descending = await fixture.NewDatabaseAsync();
        await FidelityFixture.ExecuteAsync(ascending, Table + """
            ;
            insert into items select g, case when g % 3 = 0 then null when g % 3 = 1 then '' else 'item ' || g end, g / 7.0, array[g::text, null]
            from generate_series(1, 2000) g order by g
            """);
        await FidelityFixture.ExecuteAsync(descending, Table + """
            ;
            insert into items select g, case when g % 3 = 0 then null when g % 3 = 1 then '' else 'item ' || g end, g / 7.0, array[g::text, null]
            from generate_series(1, 2000) g order by g desc;
            update items set name = 'temporary' where id % 10 = 0;
            update items set name = case when id % 3 = 0 then null when id % 3 = 1 then '' else 'item ' || id end where id % 10 = 0;
            """);

        var a = await Fingerprinter.CaptureAsync(ascending, CancellationToken.None);
        var b = await Fingerprinter.CaptureAsync(descending, CancellationToken.None);

        Assert.Equal(Describe(a.Tables), Describe(b.Tables));
        Assert.True(FingerprintComparer.Compare(a, b).Identical);
    }

    [Fact]
    public async Task a_row_moved_between_null_and_empty_is_told_apart_even_when_counts_match()
    {
        var one = await fixture.NewDatabaseAsync();
        var other = await fixture.NewDatabaseAsync();
        await FidelityFixture.ExecuteAsync(one, Table + "; insert into items values (1, null, 1, null), (2, '', 1, '{}')");
        await FidelityFixture.ExecuteAsync(other, Table + "; insert into items values (1, '', 1, null), (2, null, 1, '{}')");

        var a = await Fingerprinter.CaptureAsync(one, CancellationToken.None);
        var b = await Fingerprinter.CaptureAsync(other, CancellationToken.None);

        Assert.NotEqual(a.Tables.Single().ContentHash, b.Tables.Single().ContentHash);
        Assert.Equal(["1", "2"], await KeyDiff.FindDifferingKeysAsync(one, other, a.Tables.Single()));
    }
}

[Collection(FidelityCollection.Name)]
public sealed class when_finding_differing_keys_in_larger_tables(FidelityFixture fixture)
{
    private async Task<(string Source, string Target, TableFingerprint Table)> TwoCopiesAsync(string change)
    {
        var source = await fixture.NewDatabaseAsync();
        await FidelityFixture.ExecuteAsync(source,
            "create table events (tenant int not null, seq int not null, body text, primary key (tenant, seq));"
            + "insert into events select g % 7, g, md5(g::text) from generate_series(1, 20000) g");
        var path = Path.Combine(Path.GetTempPath(), $"dgledger-fidelity-{Guid.NewGuid():N}.dump");
        try
        {
            await fixture.DumpAsync(source, path);
            var target = await fixture.RestoreAsync(path);
            await FidelityFixture.ExecuteAsync(target, change);
            var fingerprint = await Fingerprinter.CaptureAsync(source, CancellationToken.None);
            return (source, target, fingerprint.Tables.Single());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task narrowing_the_buckets_down_to_single_keys_still_finds_exactly_the_changed_rows()
    {
        var (source, target, table) = await TwoCopiesAsync("""
            update events set body = 'changed' where seq = 10;
            delete from events where seq = 15000;
            insert into events values (3, 30000, 'new');
            """);

        // A fetch threshold of one row forces every level of narrowing before any row is fetched.
        var keys = await KeyDiff.FindDifferingKeysAsync(source, target, table, limit: 20, fetchThreshold: 1, CancellationToken.None);

        Assert.Equal(["(3,10)", "(3,30000)", "(6,15000)"], keys);
    }

    [Fact]
    public async Task at_most_limit_keys_are_returned_all_of_them_differing()
    {
        var (source, target, table) = await TwoCopiesAsync("update events set body = 'changed' where seq <= 50");

        var keys = await KeyDiff.FindDifferingKeysAsync(source, target, table, limit: 20);

        Assert.Equal(20, keys.Count);
        Assert.All(keys, key => Assert.InRange(int.Parse(key.Trim('(', ')').Split(',')[1], System.Globalization.CultureInfo.InvariantCulture), 1, 50));
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
    }

    [Fact]
    public async Task identical_tables_have_no_differing_keys()
    {
        var (source, target, table) = await TwoCopiesAsync("select 1");

        Assert.Empty(await KeyDiff.FindDifferingKeysAsync(source, target, table));
    }
}

[Collection(FidelityCollection.Name)]
public sealed class when_the_agent_fingerprints_inside_its_snapshot(FidelityFixture fixture)
{
    [Fact]
    public async Task it_reads_the_callers_snapshot_and_leaves_its_transaction_and_settings_as_they_were()
    {
        var database = await fixture.RestoreAsync();
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead);
        await using (var set = new NpgsqlCommand("set transaction read only; set local TimeZone = 'Asia/Tokyo'; set local search_path = shop, public; select count(*) from shop.orders", connection))
        {
            await set.ExecuteScalarAsync(); // the snapshot starts here
        }

        await FidelityFixture.ExecuteAsync(database, "insert into shop.audit_log values (now(), 'late', 'after the snapshot')");
        var fingerprint = await Fingerprinter.CaptureAsync(connection, CancellationToken.None);

        Assert.Equal(3, fingerprint.Tables.Single(t => t.Table == "audit_log").Rows);
        await using (var check = new NpgsqlCommand(
            "select current_setting('TimeZone'), current_setting('search_path'), current_setting('transaction_isolation'), (select count(*) from audit_log)",
            connection))
        await using (var reader = await check.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal(("Asia/Tokyo", "shop, public", "repeatable read", 3L), (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
        }

        await transaction.CommitAsync();
    }

    [Fact]
    public async Task outside_a_transaction_it_puts_the_session_settings_back()
    {
        var database = await fixture.RestoreAsync();
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using (var set = new NpgsqlCommand("set TimeZone = 'America/Lima'; set DateStyle = 'SQL, DMY'", connection))
        {
            await set.ExecuteNonQueryAsync();
        }

        var inSession = await Fingerprinter.CaptureAsync(connection, CancellationToken.None);
        var inOwnSnapshot = await Fingerprinter.CaptureAsync(database, CancellationToken.None);

        Assert.Equal(Describe(inOwnSnapshot.Tables), Describe(inSession.Tables));
        await using var check = new NpgsqlCommand("select current_setting('TimeZone') || ' ' || current_setting('DateStyle')", connection);
        Assert.Equal("America/Lima SQL, DMY", await check.ExecuteScalarAsync());
    }
}

[Collection(FidelityCollection.Name)]
public sealed class when_a_table_is_large(FidelityFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task fingerprinting_it_costs_less_than_restoring_it()
    {
        const int rows = 300_000;
        var source = await fixture.NewDatabaseAsync();
        await FidelityFixture.ExecuteAsync(source, $"""
            create table orders (id bigint primary key, customer text not null, amount numeric(12,2), created timestamptz not null, note text, flags int[]);
            insert into orders
            select g, 'customer-' || (g % 5000), (g % 100000) / 100.0, timestamptz '2024-01-01' + g * interval '1 second',
                   case when g % 7 = 0 then null when g % 11 = 0 then '' else md5(g::text) end, array[g % 3, g % 5]
            from generate_series(1, {rows}) g;
            """);
        await FidelityFixture.ExecuteAsync(source, "vacuum analyze orders");
        var path = Path.Combine(Path.GetTempPath(), $"dgledger-fidelity-{Guid.NewGuid():N}.dump");
        try
        {
            await fixture.DumpAsync(source, path);
            var target = await fixture.NewDatabaseAsync();
            var restore = await fixture.RestoreIntoAsync(target, path);

            // The better of two runs, so that a burst of load on a shared machine does not decide the outcome.
            var times = new List<TimeSpan>();
            DatabaseFingerprint? fingerprint = null;
            for (var run = 0; run < 2; run++)
            {
                var clock = Stopwatch.StartNew();
                fingerprint = await Fingerprinter.CaptureAsync(target, CancellationToken.None);
                times.Add(clock.Elapsed);
            }

            var fingerprintTime = times.Min();

            output.WriteLine($"{rows} rows: pg_restore {restore.TotalMilliseconds:F0} ms, fingerprint {fingerprintTime.TotalMilliseconds:F0} ms");
            Assert.Equal(rows, fingerprint!.Tables.Single().Rows);
            Assert.True(fingerprintTime < restore, $"fingerprint {fingerprintTime} should cost less than pg_restore {restore}");
        }
        finally
        {
            File.Delete(path);
        }
    }
}

[Collection(FidelityCollection.Name)]
public sealed class when_names_need_quoting(FidelityFixture fixture)
{
    [Fact]
    public async Task spaces_quotes_capitals_and_sql_in_names_are_fingerprinted_and_keyed_safely()
    {
        var source = await fixture.NewDatabaseAsync();
        await FidelityFixture.ExecuteAsync(source, """
            create schema "Sales Data";
            create table "Sales Data"."Order Items; drop table x; --" ("Id" int primary key, "we""ird" text, "select" text);
            insert into "Sales Data"."Order Items; drop table x; --" values (1, 'a', 'b'), (2, null, ''), (3, '"', ',');
            """);
        var path = Path.Combine(Path.GetTempPath(), $"dgledger-fidelity-{Guid.NewGuid():N}.dump");
        string target;
        try
        {
            await fixture.DumpAsync(source, path);
            target = await fixture.RestoreAsync(path);
        }
        finally
        {
            File.Delete(path);
        }

        var before = FingerprintComparer.Compare(
            await Fingerprinter.CaptureAsync(source, CancellationToken.None), await Fingerprinter.CaptureAsync(target, CancellationToken.None));
        await FidelityFixture.ExecuteAsync(target, """update "Sales Data"."Order Items; drop table x; --" set "we""ird" = '' where "Id" = 2""");
        var sourceFingerprint = await Fingerprinter.CaptureAsync(source, CancellationToken.None);
        var after = FingerprintComparer.Compare(sourceFingerprint, await Fingerprinter.CaptureAsync(target, CancellationToken.None));

        Assert.True(before.Identical);
        var table = sourceFingerprint.Tables.Single();
        Assert.Equal(("Sales Data", "Order Items; drop table x; --", "Id"), (table.Schema, table.Table, table.KeyColumns.Single()));
        Assert.Equal(("Order Items; drop table x; --", "content"), (Assert.Single(after.Tables).Table, after.Tables[0].Kind));
        Assert.Equal(["2"], await KeyDiff.FindDifferingKeysAsync(source, target, table));
    }

    [Fact]
    public async Task qualified_names_longer_than_63_characters_are_kept_whole()
    {
        var schema = new string('s', 60);
        var table = new string('t', 60);
        var column = new string('c', 60);
        var database = await fixture.NewDatabaseAsync();
        await FidelityFixture.ExecuteAsync(database, $"create schema {schema}; create table {schema}.{table} ({column} int primary key)");

        var fingerprint = await Fingerprinter.CaptureAsync(database, CancellationToken.None);

        Assert.Contains(fingerprint.SchemaObjects, o => o.Kind == "column" && o.Name == $"{schema}.{table}.{column}");
        Assert.Contains(fingerprint.SchemaObjects, o => o.Kind == "constraint" && o.Name == $"{schema}.{table}.{table[..58]}_pkey");
    }
}
