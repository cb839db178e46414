using Ledger.Contracts.Common;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Ledger.Cli.Common;

/// <summary>
/// Parses what people type for time: durations (<c>90s</c>, <c>30m</c>, <c>12h</c>, <c>7d</c>, <c>2w</c>) and points in time
/// (a duration back from now, or an ISO-8601 date or date-time; no offset means UTC).
/// </summary>
internal static partial class TimeInput
{
    public const string DurationHint = "a duration like 90s, 30m, 12h, 7d or 2w";
    public const string PointInTimeHint = DurationHint + " (back from now), or an ISO date like 2025-01-31 or 2025-01-31T08:00:00Z";

    [GeneratedRegex(@"^\s*(?<n>\d{1,6})\s*(?<unit>s|m|h|d|w)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDatePrefix();

    /// <summary>A positive duration with one unit: s, m, h, d or w.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        if (text is null)
        {
            return false;
        }

        var match = DurationPattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var n = int.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        if (n <= 0)
        {
            return false;
        }

        duration = char.ToLowerInvariant(match.Groups["unit"].Value[0]) switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => TimeSpan.FromDays(7L * n),
        };
        return true;
    }

    /// <summary>A duration back from <paramref name="now"/>, or an ISO-8601 date / date-time (UTC unless it says otherwise).</summary>
    public static bool TryParsePointInTime(string? text, DateTimeOffset now, out DateTimeOffset pointInTime)
    {
        pointInTime = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (TryParseDuration(text, out var ago))
        {
            pointInTime = now - ago;
            return true;
        }

        var trimmed = text.Trim();
        return IsoDatePrefix().IsMatch(trimmed)
            && DateTimeOffset.TryParse(
                trimmed,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces,
                out pointInTime);
    }

    /// <summary><see cref="TryParseDuration"/> for an option: a usage error (exit 2) that names the option otherwise.</summary>
    public static TimeSpan ParseDurationOption(string option, string text) =>
        TryParseDuration(text, out var duration)
            ? duration
            : throw new UsageException($"invalid {option} '{text}': expected {DurationHint}");

    /// <summary><see cref="TryParsePointInTime"/> for an option: a usage error (exit 2) that names the option otherwise.</summary>
    public static DateTimeOffset ParsePointInTimeOption(string option, string text, DateTimeOffset now) =>
        TryParsePointInTime(text, now, out var pointInTime)
            ? pointInTime
            : throw new UsageException($"invalid {option} '{text}': expected {PointInTimeHint}");

    /// <summary>The inverse for messages: <c>30m</c>, <c>2h</c>, <c>90s</c> (<see cref="DurationText.Span"/>).</summary>
    public static string FormatDuration(TimeSpan duration) => DurationText.Span(duration);
}
