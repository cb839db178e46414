namespace DgLedger.Bench.Reporting;

/// <summary>The measured values of one figure (milliseconds, bytes, rows per second, ...), with the statistics the report prints.</summary>
public sealed record Samples(IReadOnlyList<double> Values)
{
    public static Samples Of(IEnumerable<double> values) => new(values.ToList());

    public int Count => Values.Count;
    public bool IsEmpty => Values.Count == 0;
    public double Median => Percentile(50);
    public double Min => Values.Count == 0 ? double.NaN : Values.Min();
    public double Max => Values.Count == 0 ? double.NaN : Values.Max();
    public double P10 => Percentile(10);
    public double P90 => Percentile(90);
    public double P50 => Percentile(50);
    public double P99 => Percentile(99);

    /// <summary>Linear interpolation between closest ranks (the median of an even count is the mean of the middle two).</summary>
    public double Percentile(double p)
    {
        if (Values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = Values.Order().ToArray();
        var rank = p / 100 * (sorted.Length - 1);
        var lower = (int)Math.Floor(rank);
        var upper = (int)Math.Ceiling(rank);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (rank - lower);
    }

    /// <summary>Per-run ratios of two paired series (run i of this against run i of <paramref name="baseline"/>).</summary>
    public Samples PairedRatio(Samples baseline)
    {
        var count = Math.Min(Count, baseline.Count);
        return Of(Enumerable.Range(0, count).Where(i => baseline.Values[i] > 0).Select(i => Values[i] / baseline.Values[i]));
    }
}
