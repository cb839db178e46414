using Ledger.Cli.Common;
using Ledger.Contracts.Fidelity;
using Ledger.Postgres.Fidelity;

namespace Ledger.Cli.Diff;

/// <summary>How a diff reads for people. JSON output does not come through here.</summary>
internal static class DiffViews
{
    /// <summary>
    /// <c>identical: ...</c> on one line, or <c>differs: ...</c> followed by a section per kind of difference: tables
    /// (with differing keys), sequences, schema objects (with both definitions).
    /// </summary>
    public static void Write(TextWriter output, FingerprintDiff diff, DatabaseFingerprint source, string sourceLabel, string targetLabel, bool liveSource)
    {
        if (diff.Identical)
        {
            output.WriteLine(
                $"identical: {targetLabel} equals {sourceLabel} ({Counted(source.Tables.Count, "table")}, "
                + $"{Counted(source.Sequences.Count, "sequence")}, {Counted(source.SchemaObjects.Count, "schema object")})");
            return;
        }

        output.WriteLine($"differs: {targetLabel} is not {sourceLabel}");
        var keyed = source.Tables.Where(t => t.KeyColumns.Count > 0).Select(t => (t.Schema, t.Table)).ToHashSet();

        if (diff.Tables.Count > 0)
        {
            output.WriteLine();
            var table = new TextTable(
                new Column("TABLE"),
                new Column("DIFFERENCE"),
                new Column("SOURCE ROWS", Align.Right),
                new Column("TARGET ROWS", Align.Right),
                new Column("DIFFERING KEYS"));
            foreach (var t in diff.Tables)
            {
                table.AddRow(
                    $"{t.Schema}.{t.Table}",
                    Describe(t.Kind),
                    t.SourceRows is { } s ? Humanize.Count(s) : Humanize.None,
                    t.TargetRows is { } r ? Humanize.Count(r) : Humanize.None,
                    Keys(t, keyed.Contains((t.Schema, t.Table)), liveSource));
            }

            table.WriteTo(output);
        }

        if (diff.Sequences.Count > 0)
        {
            output.WriteLine();
            var table = new TextTable(new Column("SEQUENCE"), new Column("SOURCE LAST VALUE", Align.Right), new Column("TARGET LAST VALUE", Align.Right));
            foreach (var s in diff.Sequences)
            {
                table.AddRow($"{s.Schema}.{s.Name}", Value(s.SourceValue), Value(s.TargetValue));
            }

            table.WriteTo(output);
        }

        if (diff.Schema.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("SCHEMA");
            foreach (var s in diff.Schema)
            {
                output.WriteLine($"{s.Kind} {s.Name}: {Describe(s.Change)}");
                WriteDefinition(output, "source", s.SourceDefinition);
                WriteDefinition(output, "target", s.TargetDefinition);
            }
        }
    }

    private static string Describe(string kind) => kind switch
    {
        FingerprintComparer.Missing => "missing (in source only)",
        FingerprintComparer.Extra => "extra (in target only)",
        FingerprintComparer.RowCount => "row count",
        FingerprintComparer.Content => "content",
        FingerprintComparer.Changed => "changed",
        _ => kind,
    };

    private static string Keys(TableDifference difference, bool hasKey, bool liveSource) => difference switch
    {
        { DifferingKeys.Count: > 0 } => string.Join(", ", difference.DifferingKeys)
            + (difference.DifferingKeys.Count >= DiffCommand.KeyLimit ? ", ..." : ""),
        { Kind: FingerprintComparer.Missing or FingerprintComparer.Extra } => Humanize.None,
        _ when !hasKey => "(no key)",
        _ when !liveSource => "(needs a live --source)",
        _ => Humanize.None,
    };

    private static string Value(long? value) => value is { } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "(none)";

    private static string Counted(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";

    private static void WriteDefinition(TextWriter output, string side, string? definition)
    {
        if (definition is null)
        {
            return;
        }

        var lines = definition.Trim('\n').Split('\n');
        output.WriteLine($"  {side}: {lines[0].TrimEnd()}");
        foreach (var line in lines.Skip(1))
        {
            output.WriteLine($"    {line.TrimEnd()}");
        }
    }
}
