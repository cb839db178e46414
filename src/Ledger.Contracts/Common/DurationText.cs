using System.Globalization;

namespace Ledger.Contracts.Common;

/// <summary>
/// How DgLedger writes a duration, in the ledger's reasons and in the CLI alike: one place, three uses.
/// <see cref="Span"/> for a configured or requested duration (exact, in the unit people type it in: it reads back as
/// the same option), <see cref="Age"/> for how long ago something happened (its largest whole unit),
/// <see cref="RunTime"/> for how long something took.
/// </summary>
public static class DurationText
{
    /// <summary><c>30m</c>, <c>2h</c>, <c>90s</c>, <c>7d</c>: the largest unit that divides it, else whole seconds (rounded up).</summary>
    public static string Span(TimeSpan duration) => duration switch
    {
        { TotalDays: >= 1 } when duration.Ticks % TimeSpan.TicksPerDay == 0 => $"{(long)duration.TotalDays}d",
        { TotalHours: >= 1 } when duration.Ticks % TimeSpan.TicksPerHour == 0 => $"{(long)duration.TotalHours}h",
        { TotalMinutes: >= 1 } when duration.Ticks % TimeSpan.TicksPerMinute == 0 => $"{(long)duration.TotalMinutes}m",
        _ => $"{(long)Math.Ceiling(duration.TotalSeconds)}s",
    };

    /// <summary>An age in its largest sensible unit: <c>45s</c>, <c>12m</c>, <c>5h</c>, <c>3d</c> (negative ages are 0s).</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age switch
        {
            { TotalMinutes: < 1 } => $"{(int)age.TotalSeconds}s",
            { TotalHours: < 1 } => $"{(int)age.TotalMinutes}m",
            { TotalHours: < 48 } => $"{(int)age.TotalHours}h",
            _ => $"{(int)age.TotalDays}d",
        };
    }

    /// <summary>A run time: <c>850ms</c>, <c>3.2s</c>, <c>4m05s</c>, <c>1h02m</c>.</summary>
    public static string RunTime(long milliseconds)
    {
        var span = TimeSpan.FromMilliseconds(milliseconds);
        return span switch
        {
            { TotalSeconds: < 1 } => $"{milliseconds}ms",
            { TotalMinutes: < 1 } => span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s",
            { TotalHours: < 1 } => $"{(int)span.TotalMinutes}m{span.Seconds:00}s",
            _ => $"{(int)span.TotalHours}h{span.Minutes:00}m",
        };
    }
}
