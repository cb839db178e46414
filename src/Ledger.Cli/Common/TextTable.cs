using System.Text;

namespace Ledger.Cli.Common;

internal enum Align
{
    Left,
    Right,
}

/// <summary>A column of a <see cref="TextTable"/>: its header and how its cells line up.</summary>
internal sealed record Column(string Header, Align Align = Align.Left);

/// <summary>
/// A plain-text table for people: columns padded to their widest cell, two spaces apart, no trailing spaces,
/// headers optional (off for key/value lists).
/// </summary>
internal sealed class TextTable(IReadOnlyList<Column> columns, bool showHeaders = true)
{
    private const string Gap = "  ";
    private readonly List<string[]> _rows = [];

    public TextTable(params Column[] columns) : this((IReadOnlyList<Column>)columns) { }

    public int RowCount => _rows.Count;

    public TextTable AddRow(params string?[] cells)
    {
        if (cells.Length != columns.Count)
        {
            throw new ArgumentException($"Expected {columns.Count} cells, got {cells.Length}.", nameof(cells));
        }

        _rows.Add([.. cells.Select(c => c ?? Humanize.None)]);
        return this;
    }

    public void WriteTo(TextWriter writer, string indent = "")
    {
        foreach (var line in Lines())
        {
            writer.WriteLine(indent + line);
        }
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var line in Lines())
        {
            sb.Append(line).Append('\n');
        }

        return sb.ToString();
    }

    private IEnumerable<string> Lines()
    {
        var rows = showHeaders ? _rows.Prepend([.. columns.Select(c => c.Header)]) : _rows;
        var widths = columns
            .Select((column, i) => rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max())
            .ToArray();

        foreach (var row in rows)
        {
            var sb = new StringBuilder();
            for (var i = 0; i < columns.Count; i++)
            {
                var cell = row[i];
                var isLast = i == columns.Count - 1;
                if (i > 0)
                {
                    sb.Append(Gap);
                }

                if (columns[i].Align == Align.Right)
                {
                    sb.Append(cell.PadLeft(widths[i]));
                }
                else
                {
                    sb.Append(isLast ? cell : cell.PadRight(widths[i]));
                }
            }

            yield return sb.ToString().TrimEnd();
        }
    }
}
