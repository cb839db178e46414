using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DgLedger.Bench.Reporting;

/// <summary>Writes a run's results as markdown (printed and saved) and JSON (read back to compare scales).</summary>
public static class MarkdownReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>What a JSON results file holds.</summary>
    public sealed record Saved(string Scale, DateTimeOffset At, SortedDictionary<string, double> Figures);

    /// <summary>Keys compared between scales, with how they should grow: "data" (no faster than the data) or "flat".</summary>
    private static readonly (string Key, string Label, string Expectation)[] Growth =
    [
        ("source.bytes", "source database size", "the data"),
        ("seed.rows", "event rows seeded", "the data"),
        ("seed.rows_per_s", "seeding rate (rows/s)", "flat or better"),
        ("backup.agent.ms", "backup through the agent", "no faster than the data"),
        ("backup.pg_dump.ms", "pg_dump -Fc", "no faster than the data"),
        ("backup.artifact.bytes", "artifact size", "the data"),
        ("verify.ms", "verification", "no faster than the data"),
        ("restore.agent.ms", "restore through the agent", "no faster than the data"),
        ("restore.pg_restore.ms", "pg_restore -j N", "no faster than the data"),
        ("fingerprint.ms", "fingerprint of the restored database", "no faster than the data"),
        ("agent.peak.bytes", "agent peak RSS during a backup", "flat (within 1.2x)"),
    ];

    public static string Render(BenchResults results, string title, IReadOnlyList<Saved> earlier, string thisScale)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# {title}").AppendLine();
        foreach (var line in results.Setup)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
        }

        md.AppendLine().AppendLine("| # | measurement | DgLedger | baseline | ratio | target | result |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var row in results.Rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Id} | {Cell(row.Measurement)} | {Cell(row.Value)} | {Cell(row.Baseline)} | {Cell(row.Ratio)} | {Cell(row.Target)} | {row.VerdictText} |");
        }

        var missed = results.Rows.Where(r => r.Verdict is Verdict.Missed or Verdict.Failed or Verdict.NotAvailable).ToList();
        var withTarget = results.Rows.Count(r => r.Verdict is Verdict.Met or Verdict.Missed);
        md.AppendLine().AppendLine(CultureInfo.InvariantCulture,
            $"Targets met: {results.Rows.Count(r => r.Verdict == Verdict.Met)} of {withTarget}.");

        var notes = results.Rows.Where(r => r.Note is not null).ToList();
        if (notes.Count > 0 || results.Notes.Count > 0)
        {
            md.AppendLine().AppendLine("## Notes").AppendLine();
            foreach (var row in notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- **{row.Id}** {row.Note}");
            }

            foreach (var note in results.Notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
            }
        }

        if (results.Defaults.Count > 0)
        {
            md.AppendLine().AppendLine("## Dump and restore defaults").AppendLine();
            foreach (var line in results.Defaults)
            {
                md.AppendLine(line);
            }
        }

        md.AppendLine().AppendLine("## Growth between scales").AppendLine();
        // A smoke run only proves the harness works: its tiny data is no point on the growth curve.
        var smoke = Scale.Smoke.Name;
        var others = earlier.Where(e => e.Scale != thisScale && e.Scale != smoke).ToList();
        if (thisScale == smoke)
        {
            md.AppendLine("A smoke run is not compared with the other scales: it only proves that every measurement runs.");
        }
        else if (others.Count == 0)
        {
            md.AppendLine("No results of another scale in the results directory yet: run another `--scale` to compare.");
        }
        else
        {
            AppendGrowth(md, results, others, thisScale);
        }

        if (missed.Count > 0)
        {
            md.AppendLine().AppendLine(CultureInfo.InvariantCulture,
                $"Not met or not measured: {string.Join(", ", missed.Select(m => $"{m.Id} ({m.VerdictText.Trim('*')})"))}.");
        }

        return md.ToString();
    }

    private static void AppendGrowth(StringBuilder md, BenchResults results, IReadOnlyList<Saved> others, string thisScale)
    {
        // Every scale side by side, smallest data first; growth is the largest against the smallest.
        var columns = others.Select(o => (Label: $"{o.Scale} ({o.At:yyyy-MM-dd})", o.Figures))
            .Append((Label: $"{thisScale} (this run)", results.Figures))
            .OrderBy(c => c.Figures.GetValueOrDefault("source.bytes"))
            .ToList();
        md.Append("| figure | ");
        foreach (var column in columns)
        {
            md.Append(CultureInfo.InvariantCulture, $"{column.Label} | ");
        }

        md.AppendLine("growth | data grew | expected |");
        md.Append("|---|").Append(string.Concat(Enumerable.Repeat("---|", columns.Count))).AppendLine("---|---|---|");
        var (first, last) = (columns[0].Figures, columns[^1].Figures);
        var dataGrowth = Ratio(last, first, "source.bytes");
        foreach (var (key, label, expectation) in Growth)
        {
            if (columns.All(c => !c.Figures.ContainsKey(key)))
            {
                continue;
            }

            md.Append(CultureInfo.InvariantCulture, $"| {label} | ");
            foreach (var column in columns)
            {
                md.Append(CultureInfo.InvariantCulture, $"{Show(key, column.Figures)} | ");
            }

            md.AppendLine(CultureInfo.InvariantCulture,
                $"{Format.Ratio(Ratio(last, first, key))} | {Format.Ratio(dataGrowth)} | {expectation} |");
        }

        md.AppendLine().AppendLine(
            "Growth is the largest scale's figure over the smallest's (each from its newest results file); a cost that grows "
            + "faster than the data is worth a look. Figures from different days share no baseline: compare ratios first.");
    }

    private static double Ratio(IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b, string key) =>
        a.TryGetValue(key, out var x) && b.TryGetValue(key, out var y) && y > 0 ? x / y : double.NaN;

    private static string Show(string key, IReadOnlyDictionary<string, double> figures)
    {
        if (!figures.TryGetValue(key, out var value))
        {
            return "–";
        }

        return key.EndsWith(".ms", StringComparison.Ordinal) ? Format.Ms(value)
            : key.EndsWith(".bytes", StringComparison.Ordinal) ? Format.Bytes(value)
            : Format.Count(value);
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    public static async Task<(string Markdown, string Json)> WriteAsync(BenchResults results, string directory, string scale,
        string? only, string markdown, DateTimeOffset at)
    {
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, $"{at:yyyy-MM-dd}-{scale}" + (only is null ? "" : $"-only-{only}"));
        await File.WriteAllTextAsync(stem + ".md", markdown);
        await File.WriteAllTextAsync(stem + ".json", JsonSerializer.Serialize(new Saved(scale, at, results.Figures), Json));
        return (stem + ".md", stem + ".json");
    }

    /// <summary>The newest JSON results of each scale in <paramref name="directory"/>.</summary>
    public static IReadOnlyList<Saved> ReadLatest(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var saved = new List<Saved>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<Saved>(File.ReadAllText(file), Json) is { Scale.Length: > 0 } s)
                {
                    saved.Add(s);
                }
            }
            catch (JsonException)
            {
                // not one of ours
            }
        }

        // Per scale, every figure from the newest file that has it (a --only run updates only its own figures).
        return saved.Where(s => s.Scale != "smoke").GroupBy(s => s.Scale).Select(g =>
        {
            var merged = new SortedDictionary<string, double>(StringComparer.Ordinal);
            foreach (var file in g.OrderBy(s => s.At))
            {
                foreach (var (key, value) in file.Figures)
                {
                    merged[key] = value;
                }
            }

            return new Saved(g.Key, g.Max(s => s.At), merged);
        }).ToList();
    }
}
