using Ledger.Contracts.Fidelity;

namespace Ledger.Postgres.Fidelity;

/// <summary>
/// Compares two fingerprints, source (what was backed up) against target (what a restore produced), and names every
/// difference. Pure. Ignores where and when each was captured (<see cref="DatabaseFingerprint.Database"/>,
/// <see cref="DatabaseFingerprint.ServerVersion"/>, <see cref="DatabaseFingerprint.CapturedAt"/>,
/// <see cref="DatabaseFingerprint.DurationMs"/>): a restore into another database, or onto a newer server, can
/// still be exact.
/// </summary>
public static class FingerprintComparer
{
    /// <summary>In the source, not in the target.</summary>
    public const string Missing = "missing";

    /// <summary>In the target only.</summary>
    public const string Extra = "extra";

    /// <summary>A table's row count differs (its content then differs too).</summary>
    public const string RowCount = "row-count";

    /// <summary>Same row count, different rows.</summary>
    public const string Content = "content";

    /// <summary>A schema object with a different definition.</summary>
    public const string Changed = "changed";

    /// <summary>The kind used when the schema hashes differ although no object does (a fingerprint without objects).</summary>
    public const string SchemaHashKind = "schema-hash";

    public static FingerprintDiff Compare(DatabaseFingerprint source, DatabaseFingerprint target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);

        var tables = CompareTables(source.Tables, target.Tables);
        var sequences = CompareSequences(source.Sequences, target.Sequences);
        var schema = CompareSchema(source, target);
        var identical = tables.Count == 0 && sequences.Count == 0 && schema.Count == 0;
        return new FingerprintDiff(identical, tables, sequences, schema);
    }

    private static List<TableDifference> CompareTables(IReadOnlyList<TableFingerprint> source, IReadOnlyList<TableFingerprint> target)
    {
        var differences = new List<TableDifference>();
        foreach (var ((schema, table), s, t) in Pair(source, target, x => (x.Schema, x.Table)))
        {
            var difference = (s, t) switch
            {
                (not null, null) => new TableDifference(schema, table, Missing, s.Rows, null, []),
                (null, not null) => new TableDifference(schema, table, Extra, null, t.Rows, []),
                (not null, not null) when s.Rows != t.Rows => new TableDifference(schema, table, RowCount, s.Rows, t.Rows, []),
                (not null, not null) when !string.Equals(s.ContentHash, t.ContentHash, StringComparison.Ordinal) =>
                    new TableDifference(schema, table, Content, s.Rows, t.Rows, []),
                _ => null,
            };
            if (difference is not null)
            {
                differences.Add(difference);
            }
        }

        return differences;
    }

    private static List<SequenceDifference> CompareSequences(IReadOnlyList<SequenceValue> source, IReadOnlyList<SequenceValue> target)
    {
        var differences = new List<SequenceDifference>();
        foreach (var ((schema, name), s, t) in Pair(source, target, x => (x.Schema, x.Name)))
        {
            // is_called decides what nextval returns (last_value, or the one after it), so it counts as drift too.
            if (s is null || t is null || s.LastValue != t.LastValue || s.IsCalled != t.IsCalled)
            {
                differences.Add(new SequenceDifference(schema, name, s?.LastValue, t?.LastValue));
            }
        }

        return differences;
    }

    private static List<SchemaDifference> CompareSchema(DatabaseFingerprint source, DatabaseFingerprint target)
    {
        var differences = new List<SchemaDifference>();
        foreach (var ((kind, name), s, t) in Pair(source.SchemaObjects, target.SchemaObjects, x => (x.Kind, x.Name)))
        {
            var change = (s, t) switch
            {
                (not null, null) => Missing,
                (null, not null) => Extra,
                (not null, not null) when !string.Equals(s.Definition, t.Definition, StringComparison.Ordinal) => Changed,
                _ => null,
            };
            if (change is not null)
            {
                differences.Add(new SchemaDifference(kind, name, change, s?.Definition, t?.Definition));
            }
        }

        if (differences.Count == 0 && !string.Equals(source.SchemaHash, target.SchemaHash, StringComparison.Ordinal))
        {
            differences.Add(new SchemaDifference(SchemaHashKind, "*", Changed, source.SchemaHash, target.SchemaHash));
        }

        return differences;
    }

    /// <summary>
    /// Both sides matched by key, in ordinal key order; a side is null where it lacks the key. Should a list repeat a
    /// key, its first entry counts.
    /// </summary>
    private static IEnumerable<((string, string) Key, T? Source, T? Target)> Pair<T>(
        IReadOnlyList<T> source, IReadOnlyList<T> target, Func<T, (string, string)> key) where T : class
    {
        var bySource = Index(source, key);
        var byTarget = Index(target, key);
        return bySource.Keys.Union(byTarget.Keys)
            .OrderBy(k => k.Item1, StringComparer.Ordinal)
            .ThenBy(k => k.Item2, StringComparer.Ordinal)
            .Select(k => (k, bySource.GetValueOrDefault(k), byTarget.GetValueOrDefault(k)));
    }

    private static Dictionary<(string, string), T> Index<T>(IReadOnlyList<T> items, Func<T, (string, string)> key)
    {
        var index = new Dictionary<(string, string), T>();
        foreach (var item in items)
        {
            index.TryAdd(key(item), item);
        }

        return index;
    }
}
