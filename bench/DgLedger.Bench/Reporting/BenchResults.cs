using System.Globalization;

namespace DgLedger.Bench.Reporting;

public enum Verdict
{
    /// <summary>A figure without a target (shown for context).</summary>
    Info,
    Met,
    Missed,
    /// <summary>The DgLedger side cannot be measured yet (the feature is not there).</summary>
    NotAvailable,
    /// <summary>The measurement failed; the note says why.</summary>
    Failed,
}

/// <summary>One line of the results table.</summary>
public sealed record Row(
    string Id,
    string Measurement,
    string Value,
    string Baseline,
    string Ratio,
    string Target,
    Verdict Verdict,
    string? Note = null)
{
    public string VerdictText => Verdict switch
    {
        Verdict.Met => "met",
        Verdict.Missed => "**MISSED**",
        Verdict.NotAvailable => "not yet available",
        Verdict.Failed => "**FAILED**",
        _ => "",
    };
}

/// <summary>Everything one run found: the table rows, the figures (for comparing scales later) and notes.</summary>
public sealed class BenchResults
{
    public List<Row> Rows { get; } = [];

    /// <summary>Key -> median, in the unit the key names (ms, bytes, rows/s); written to the JSON next to the markdown.</summary>
    public SortedDictionary<string, double> Figures { get; } = new(StringComparer.Ordinal);

    public List<string> Notes { get; } = [];
    public List<string> Defaults { get; } = [];
    public List<string> Setup { get; } = [];

    public void Add(Row row) => Rows.Add(row);

    public void Figure(string key, double value)
    {
        if (double.IsFinite(value))
        {
            Figures[key] = value;
        }
    }

    public void Figure(string key, Samples samples)
    {
        if (!samples.IsEmpty)
        {
            Figure(key, samples.Median);
        }
    }
}

/// <summary>Number formats shared by the report.</summary>
public static class Format
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Ms(double ms) => double.IsNaN(ms) ? "–"
        : ms >= 10_000 ? (ms / 1000).ToString("0.0", Invariant) + " s"
        : ms >= 100 ? ms.ToString("0", Invariant) + " ms"
        : ms >= 10 ? ms.ToString("0.0", Invariant) + " ms"
        : ms.ToString("0.00", Invariant) + " ms";

    /// <summary>"median ms (min–max)", or with p10–p90 when there are at least 10 values.</summary>
    public static string MsSpread(Samples s) => s.IsEmpty ? "–"
        : s.Count >= 10 ? $"{Ms(s.Median)} (p10–p90 {Ms(s.P10)}–{Ms(s.P90)})"
        : s.Count == 1 ? $"{Ms(s.Median)} (1 run)"
        : $"{Ms(s.Median)} ({Ms(s.Min)}–{Ms(s.Max)})";

    public static string Ratio(double r) => double.IsNaN(r) ? "–" : r.ToString("0.00", Invariant) + "x";

    public static string RatioSpread(Samples s) => s.IsEmpty ? "–"
        : s.Count == 1 ? Ratio(s.Median)
        : $"{Ratio(s.Median)} ({Ratio(s.Min)}–{Ratio(s.Max)})";

    public static string Bytes(double bytes) => double.IsNaN(bytes) ? "–"
        : bytes >= 1024.0 * 1024 * 1024 ? (bytes / (1024.0 * 1024 * 1024)).ToString("0.00", Invariant) + " GiB"
        : bytes >= 1024.0 * 1024 ? (bytes / (1024.0 * 1024)).ToString("0.0", Invariant) + " MiB"
        : (bytes / 1024.0).ToString("0", Invariant) + " KiB";

    public static string BytesSpread(Samples s) => s.IsEmpty ? "–"
        : s.Count == 1 ? Bytes(s.Median)
        : $"{Bytes(s.Median)} ({Bytes(s.Min)}–{Bytes(s.Max)})";

    public static string Count(double n) => n.ToString("N0", Invariant);

    public static string Rate(Samples s) => s.IsEmpty ? "–"
        : s.Count == 1 ? $"{Count(s.Median)} rows/s (1 run)"
        : $"{Count(s.Median)} rows/s ({Count(s.Min)}–{Count(s.Max)})";

    public static string Percent(double fraction) => (fraction * 100).ToString("0", Invariant) + "%";

    public static string Number(double value, string format = "0.##") => value.ToString(format, Invariant);
}
