using System.Globalization;

namespace Ledger.Api.OperatorConsole;

/// <summary>How the console writes times, ages, sizes and durations (UTC, invariant culture).</summary>
public static class Display
{
    public const string None = "–";

    public static string When(DateTimeOffset? at) =>
        at is { } a ? a.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : None;

    public static string Day(DateTimeOffset? at) =>
        at is { } a ? a.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : None;

    /// <summary>"3 d 4 h", "12 min", "40 s".</summary>
    public static string Age(TimeSpan? age)
    {
        if (age is not { } a)
        {
            return None;
        }

        if (a < TimeSpan.Zero)
        {
            a = TimeSpan.Zero;
        }

        return a.TotalDays >= 1 ? $"{(int)a.TotalDays} d {a.Hours} h"
            : a.TotalHours >= 1 ? $"{(int)a.TotalHours} h {a.Minutes} min"
            : a.TotalMinutes >= 1 ? $"{(int)a.TotalMinutes} min"
            : $"{(int)a.TotalSeconds} s";
    }

    public static string AgeSince(DateTimeOffset? at, DateTimeOffset now) => at is { } a ? Age(now - a) : None;

    public static string Seconds(long? seconds) => seconds is { } s ? s.ToString(CultureInfo.InvariantCulture) + " s" : None;

    public static string Ms(long? ms) =>
        ms is not { } v ? None
        : v < 1000 ? v.ToString(CultureInfo.InvariantCulture) + " ms"
        : (v / 1000.0).ToString(v < 60_000 ? "0.0" : "0", CultureInfo.InvariantCulture) + " s";

    public static string Bytes(long? bytes)
    {
        if (bytes is not { } b)
        {
            return None;
        }

        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = b;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString(unit == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Rate(double? rate) => rate is { } r ? r.ToString("P0", CultureInfo.InvariantCulture) : None;

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Short(Guid id) => id.ToString()[..8];

    /// <summary>A CSS class for a status or verdict: ok, bad, warn or idle (written with dashes or not, any case).</summary>
    public static string Tone(object? status) => (status?.ToString() ?? "").Replace("-", "", StringComparison.Ordinal).ToLowerInvariant() switch
    {
        "verified" or "passed" or "open" or "taken" or "planned" or "dropped" => "ok",
        "failed" or "verificationfailed" or "denied" or "expired" or "refused" or "missed" => "bad",
        "requested" or "running" or "pending" or "writesblocked" or "verifying" => "warn",
        _ => "idle",
    };

    public static string Tone(bool passed) => passed ? "ok" : "bad";
}
