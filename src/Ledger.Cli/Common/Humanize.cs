using Ledger.Contracts.Common;
using System.Globalization;

namespace Ledger.Cli.Common;

/// <summary>How values read in tables: sizes in binary units, ages in one unit, times in UTC, ids short.</summary>
internal static class Humanize
{
    public const string None = "-";
    private static readonly string[] SizeUnits = ["KiB", "MiB", "GiB", "TiB", "PiB"];

    /// <summary><c>512 B</c>, <c>1.5 KiB</c>, <c>12.3 MiB</c>; <c>-</c> when unknown.</summary>
    public static string Size(long? bytes)
    {
        if (bytes is not { } value)
        {
            return None;
        }

        if (value < 1024)
        {
            return value.ToString(CultureInfo.InvariantCulture) + " B";
        }

        var scaled = (double)value;
        var unit = -1;
        while (scaled >= 1024 && unit < SizeUnits.Length - 1)
        {
            scaled /= 1024;
            unit++;
        }

        // 1023.96 KiB would round to "1024.0 KiB": carry it to the next unit instead.
        if (Math.Round(scaled, 1) >= 1024 && unit < SizeUnits.Length - 1)
        {
            scaled /= 1024;
            unit++;
        }

        return scaled.ToString("0.0", CultureInfo.InvariantCulture) + " " + SizeUnits[unit];
    }

    /// <summary>An age (<see cref="DurationText.Age"/>).</summary>
    public static string Age(TimeSpan age) => DurationText.Age(age);

    /// <summary>A run time (<see cref="DurationText.RunTime"/>); <c>-</c> when unknown.</summary>
    public static string Duration(long? milliseconds) => milliseconds is { } ms ? DurationText.RunTime(ms) : None;

    /// <summary><c>2025-01-31 08:00:00</c> in UTC; <c>-</c> when unknown.</summary>
    public static string Utc(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : None;

    /// <summary>
    /// A short form for progress lines: the last 8 hex digits. Ids are version-7 GUIDs, whose leading digits are a
    /// timestamp shared by everything made in the same minute; the tail is random. Tables that people copy ids from
    /// (to pass to restore, show) print the full id: commands take only full ids.
    /// </summary>
    public static string ShortId(Guid id) => id.ToString("N")[^8..];

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string OrNone(string? text) => string.IsNullOrWhiteSpace(text) ? None : text;
}
