using System.Globalization;
using Ledger.Contracts.Restores;

namespace Ledger.Api.Restores;

/// <summary>A past restore: the size of the backup it restored and how long the restore took.</summary>
public sealed record PastRestore(long SizeBytes, long DurationMs);

/// <summary>The expected duration of a restore, learned from past restores (pure).</summary>
public static class RestoreEstimates
{
    /// <summary>
    /// The median throughput (ms per byte) of past restores of similar size (half to twice as large) times this size;
    /// with none of similar size, the same over every past restore, marked as a rough guess; with none at all, null.
    /// </summary>
    public static RestoreEstimate Expected(long sizeBytes, IReadOnlyCollection<PastRestore> past)
    {
        var usable = past.Where(p => p.SizeBytes > 0 && p.DurationMs >= 0).ToList();
        if (usable.Count == 0)
        {
            return new RestoreEstimate(null, "no past restore to learn from", 0);
        }

        var similar = usable.Where(p => p.SizeBytes * 2 >= sizeBytes && p.SizeBytes <= sizeBytes * 2).ToList();
        var basis = similar.Count > 0 ? similar : usable;
        var rates = basis.Select(p => (double)p.DurationMs / p.SizeBytes).Order().ToList();
        var median = rates.Count % 2 == 1 ? rates[rates.Count / 2] : (rates[rates.Count / 2 - 1] + rates[rates.Count / 2]) / 2;
        var expected = (long)Math.Round(median * Math.Max(sizeBytes, 1));
        var range = $"{Size(basis.Min(p => p.SizeBytes))} to {Size(basis.Max(p => p.SizeBytes))}";
        return similar.Count > 0
            ? new RestoreEstimate(expected, $"median throughput of {basis.Count} past restore(s) of similar size ({range})", basis.Count)
            : new RestoreEstimate(expected, $"rough: median throughput of {basis.Count} past restore(s) of other sizes ({range})", basis.Count);
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => bytes.ToString(CultureInfo.InvariantCulture) + " B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes / 1024.0 / 1024).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / 1024.0 / 1024 / 1024).ToString("0.#", CultureInfo.InvariantCulture) + " GiB",
    };
}
