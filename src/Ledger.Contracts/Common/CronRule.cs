namespace Ledger.Contracts.Common;

/// <summary>
/// The one rule for DgLedger's cron text, wherever it is read (the agent's schedules, the ledger's ticks, the retention
/// run): <c>off</c> disables it; otherwise 5 fields (minute precision) or 6 (the first is seconds). Blank means
/// <paramref name="fallback"/>. The caller parses the expression with Cronos in the format this names.
/// </summary>
public static class CronRule
{
    public const string Off = Agents.ManagedDatabase.NoSchedule;

    /// <summary>The text to parse and whether it has a seconds field; null text for "off".</summary>
    public static (string? Text, bool IncludesSeconds) Read(string? schedule, string fallback)
    {
        var text = string.IsNullOrWhiteSpace(schedule) ? fallback : schedule.Trim();
        if (text == Off)
        {
            return (null, false);
        }

        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return fields is 5 or 6
            ? (text, fields == 6)
            : throw new FormatException($"'{text}' has {fields} fields: a schedule has 5 (minute hour day month weekday) or 6 (seconds first), or is '{Off}'");
    }
}
