using Ledger.Contracts.Fidelity;
using Ledger.Postgres.Fidelity;

namespace Ledger.Tests.Fidelity;

/// <summary>Small fingerprints to compare: a source and variations of it.</summary>
internal static class Fingerprints
{
    public static readonly TableFingerprint Orders = new("shop", "orders", 3, "0123456789abcdef0123456789abcdef", ["id"]);
    public static readonly TableFingerprint Lines = new("shop", "lines", 5, "fedcba9876543210fedcba9876543210", ["order_id", "line_no"]);
    public static readonly SequenceValue InvoiceNo = new("shop", "invoice_no", 1000, true);
    public static readonly SchemaObject StatusIndex = new("index", "shop.orders_status_idx", "CREATE INDEX orders_status_idx ON shop.orders USING btree (status)");
    public static readonly SchemaObject TotalColumn = new("column", "shop.orders.total", "numeric(12,2)");

    public static DatabaseFingerprint Source(
        IReadOnlyList<TableFingerprint>? tables = null,
        IReadOnlyList<SequenceValue>? sequences = null,
        IReadOnlyList<SchemaObject>? schema = null)
    {
        var objects = schema ?? [StatusIndex, TotalColumn];
        return new DatabaseFingerprint(
            "shop", "15.18", tables ?? [Lines, Orders], sequences ?? [InvoiceNo], objects, Fingerprinter.SchemaHash(objects),
            new DateTimeOffset(2025, 1, 31, 8, 0, 0, TimeSpan.Zero), 120);
    }
}

public class when_two_fingerprints_describe_the_same_database
{
    [Fact]
    public void they_are_identical_whatever_the_database_name_server_time_and_duration()
    {
        var source = Fingerprints.Source();
        var restored = source with
        {
            Database = "shop_restore_check",
            ServerVersion = "16.4",
            CapturedAt = source.CapturedAt.AddHours(3),
            DurationMs = 9_999,
            Tables = [.. source.Tables.Reverse()],
        };

        var diff = FingerprintComparer.Compare(source, restored);

        Assert.True(diff.Identical);
        Assert.Empty(diff.Tables);
        Assert.Empty(diff.Sequences);
        Assert.Empty(diff.Schema);
    }
}

public class when_tables_differ
{
    [Fact]
    public void a_table_only_in_the_source_is_missing_with_its_source_row_count()
    {
        var diff = FingerprintComparer.Compare(Fingerprints.Source(), Fingerprints.Source(tables: [Fingerprints.Lines]));

        Assert.False(diff.Identical);
        var missing = Assert.Single(diff.Tables);
        Assert.Equal(("shop", "orders", "missing", 3L, (long?)null), (missing.Schema, missing.Table, missing.Kind, missing.SourceRows, missing.TargetRows));
    }

    [Fact]
    public void a_table_only_in_the_target_is_extra_with_its_target_row_count()
    {
        var added = new TableFingerprint("public", "scratch", 7, "00000000000000000000000000000007", []);

        var diff = FingerprintComparer.Compare(
            Fingerprints.Source(), Fingerprints.Source(tables: [Fingerprints.Lines, Fingerprints.Orders, added]));

        var extra = Assert.Single(diff.Tables);
        Assert.Equal(("public", "scratch", "extra", (long?)null, 7L), (extra.Schema, extra.Table, extra.Kind, extra.SourceRows, extra.TargetRows));
    }

    [Fact]
    public void a_different_row_count_is_named_with_both_counts()
    {
        var target = Fingerprints.Source(tables: [Fingerprints.Lines, Fingerprints.Orders with { Rows = 2, ContentHash = "ffffffffffffffffffffffffffffffff" }]);

        var diff = FingerprintComparer.Compare(Fingerprints.Source(), target);

        var difference = Assert.Single(diff.Tables);
        Assert.Equal(("orders", "row-count", 3L, 2L), (difference.Table, difference.Kind, difference.SourceRows, difference.TargetRows));
    }

    [Fact]
    public void the_same_row_count_with_another_content_hash_is_a_content_difference()
    {
        var target = Fingerprints.Source(tables: [Fingerprints.Lines with { ContentHash = "00000000000000000000000000000001" }, Fingerprints.Orders]);

        var diff = FingerprintComparer.Compare(Fingerprints.Source(), target);

        var difference = Assert.Single(diff.Tables);
        Assert.Equal(("lines", "content", 5L, 5L), (difference.Table, difference.Kind, difference.SourceRows, difference.TargetRows));
        Assert.Empty(difference.DifferingKeys);
    }

    [Fact]
    public void tables_are_listed_in_schema_then_name_order()
    {
        var target = Fingerprints.Source(tables:
        [
            new TableFingerprint("a", "z", 1, "00000000000000000000000000000000", []),
            new TableFingerprint("a", "b", 1, "00000000000000000000000000000000", []),
        ]);

        var diff = FingerprintComparer.Compare(Fingerprints.Source(), target);

        Assert.Equal(["a.b", "a.z", "shop.lines", "shop.orders"], diff.Tables.Select(t => $"{t.Schema}.{t.Table}"));
        Assert.Equal(["extra", "extra", "missing", "missing"], diff.Tables.Select(t => t.Kind));
    }
}

public class when_sequences_differ
{
    [Fact]
    public void an_advanced_sequence_is_named_with_both_values()
    {
        var diff = FingerprintComparer.Compare(
            Fingerprints.Source(), Fingerprints.Source(sequences: [Fingerprints.InvoiceNo with { LastValue = 1001 }]));

        Assert.False(diff.Identical);
        var drift = Assert.Single(diff.Sequences);
        Assert.Equal(("shop", "invoice_no", 1000L, 1001L), (drift.Schema, drift.Name, drift.SourceValue, drift.TargetValue));
    }

    [Fact]
    public void the_same_value_not_yet_called_is_drift_too_because_nextval_would_differ()
    {
        var diff = FingerprintComparer.Compare(
            Fingerprints.Source(), Fingerprints.Source(sequences: [Fingerprints.InvoiceNo with { IsCalled = false }]));

        var drift = Assert.Single(diff.Sequences);
        Assert.Equal((1000L, 1000L), (drift.SourceValue, drift.TargetValue));
    }

    [Fact]
    public void a_sequence_missing_from_the_target_has_no_target_value()
    {
        var diff = FingerprintComparer.Compare(Fingerprints.Source(), Fingerprints.Source(sequences: []));

        var drift = Assert.Single(diff.Sequences);
        Assert.Equal(("invoice_no", 1000L, (long?)null), (drift.Name, drift.SourceValue, drift.TargetValue));
    }
}

public class when_schemas_differ
{
    [Fact]
    public void a_dropped_index_is_missing_with_its_source_definition()
    {
        var diff = FingerprintComparer.Compare(Fingerprints.Source(), Fingerprints.Source(schema: [Fingerprints.TotalColumn]));

        var difference = Assert.Single(diff.Schema);
        Assert.Equal(
            ("index", "shop.orders_status_idx", "missing", Fingerprints.StatusIndex.Definition, (string?)null),
            (difference.Kind, difference.Name, difference.Change, difference.SourceDefinition, difference.TargetDefinition));
    }

    [Fact]
    public void an_object_only_in_the_target_is_extra_with_its_target_definition()
    {
        var trigger = new SchemaObject("trigger", "shop.orders.audit", "CREATE TRIGGER audit AFTER INSERT ON shop.orders ...");

        var diff = FingerprintComparer.Compare(
            Fingerprints.Source(), Fingerprints.Source(schema: [Fingerprints.StatusIndex, Fingerprints.TotalColumn, trigger]));

        var difference = Assert.Single(diff.Schema);
        Assert.Equal(("trigger", "extra", (string?)null, trigger.Definition), (difference.Kind, difference.Change, difference.SourceDefinition, difference.TargetDefinition));
    }

    [Fact]
    public void a_column_whose_type_changed_is_changed_with_both_definitions()
    {
        var diff = FingerprintComparer.Compare(
            Fingerprints.Source(), Fingerprints.Source(schema: [Fingerprints.StatusIndex, Fingerprints.TotalColumn with { Definition = "text" }]));

        var difference = Assert.Single(diff.Schema);
        Assert.Equal(
            ("column", "shop.orders.total", "changed", "numeric(12,2)", "text"),
            (difference.Kind, difference.Name, difference.Change, difference.SourceDefinition, difference.TargetDefinition));
    }

    [Fact]
    public void objects_of_different_kinds_with_the_same_name_are_not_confused()
    {
        var asView = new SchemaObject("view", "shop.orders_status_idx", "SELECT 1");

        var diff = FingerprintComparer.Compare(Fingerprints.Source(), Fingerprints.Source(schema: [asView, Fingerprints.TotalColumn]));

        Assert.Equal([("index", "missing"), ("view", "extra")], diff.Schema.Select(d => (d.Kind, d.Change)));
    }

    [Fact]
    public void differing_schema_hashes_without_objects_to_show_still_make_a_difference()
    {
        var source = Fingerprints.Source(schema: []) with { SchemaHash = "aaaa" };
        var target = Fingerprints.Source(schema: []) with { SchemaHash = "bbbb" };

        var diff = FingerprintComparer.Compare(source, target);

        Assert.False(diff.Identical);
        var difference = Assert.Single(diff.Schema);
        Assert.Equal(("schema-hash", "changed", "aaaa", "bbbb"), (difference.Kind, difference.Change, difference.SourceDefinition, difference.TargetDefinition));
    }
}

public class when_everything_differs_at_once
{
    [Fact]
    public void every_difference_is_named_in_its_own_list()
    {
        var target = Fingerprints.Source(
            tables: [Fingerprints.Orders with { ContentHash = "11111111111111111111111111111111" }],
            sequences: [Fingerprints.InvoiceNo with { LastValue = 2000 }],
            schema: [Fingerprints.StatusIndex]);

        var diff = FingerprintComparer.Compare(Fingerprints.Source(), target);

        Assert.False(diff.Identical);
        Assert.Equal([("lines", "missing"), ("orders", "content")], diff.Tables.Select(t => (t.Table, t.Kind)));
        Assert.Equal("invoice_no", Assert.Single(diff.Sequences).Name);
        Assert.Equal(("shop.orders.total", "missing"), (Assert.Single(diff.Schema).Name, diff.Schema[0].Change));
    }
}

public class when_hashing
{
    [Fact]
    public void the_schema_hash_does_not_depend_on_the_order_objects_are_listed_in()
    {
        SchemaObject[] objects = [Fingerprints.StatusIndex, Fingerprints.TotalColumn];

        Assert.Equal(Fingerprinter.SchemaHash(objects), Fingerprinter.SchemaHash(objects.Reverse()));
        Assert.Matches("^[0-9a-f]{64}$", Fingerprinter.SchemaHash(objects));
    }

    [Fact]
    public void the_schema_hash_tells_apart_fields_that_only_split_differently()
    {
        var one = Fingerprinter.SchemaHash([new SchemaObject("column", "a.b", "c d")]);
        var other = Fingerprinter.SchemaHash([new SchemaObject("column", "a.bc", " d")]);

        Assert.NotEqual(one, other);
    }

    [Theory]
    [InlineData("0", "0", "00000000000000000000000000000000")]
    [InlineData("-1", "1", "ffffffffffffffff0000000000000001")]
    [InlineData("18446744073709551617", "-18446744073709551617", "0000000000000001ffffffffffffffff")]
    [InlineData("9223372036854775807", "9223372036854775808", "7fffffffffffffff8000000000000000")]
    public void the_content_hash_is_both_sums_modulo_2_to_the_64_in_hex(string high, string low, string expected) =>
        Assert.Equal(expected, RowHash.Combine(high, low));
}
