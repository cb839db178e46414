using Ledger.Contracts.Common;
using Cronos;
using Ledger.Contracts.Agents;

namespace Ledger.Api.Schedules;

/// <summary>What the schedule asks of a database at a given moment (pure, tested without a host).</summary>
public static class ScheduleRules
{
    /// <summary>Parses a schedule by <see cref="CronRule"/> (blank is the default schedule); null for "off".</summary>
    public static CronExpression? Parse(string? schedule) => Parse(schedule, ManagedDatabase.DefaultSchedule);

    /// <summary>Parses cron text by <see cref="CronRule"/>, with <paramref name="fallback"/> for blank; null for "off".</summary>
    public static CronExpression? Parse(string? schedule, string fallback) =>
        CronRule.Read(schedule, fallback) is ({ } text, var seconds)
            ? CronExpression.Parse(text, seconds ? CronFormat.IncludeSeconds : CronFormat.Standard)
            : null;

    public static TimeZoneInfo Zone(string? timeZone) =>
        string.IsNullOrWhiteSpace(timeZone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(timeZone);

    /// <summary>Occurrences in (now - lookback, now], oldest first.</summary>
    public static IReadOnlyList<DateTimeOffset> Due(ManagedDatabase database, DateTimeOffset now, TimeSpan lookback)
    {
        if (Parse(database.Schedule) is not { } cron)
        {
            return [];
        }

        return cron.GetOccurrences(now - lookback, now, Zone(database.TimeZone), fromInclusive: false, toInclusive: true).ToList();
    }

    /// <summary>The backup of one occurrence (<see cref="DeterministicIds.ScheduledBackup"/>): a repeated tick or a second node meets it.</summary>
    public static Guid BackupIdFor(string environment, string database, DateTimeOffset occurrence) =>
        DeterministicIds.ScheduledBackup(environment, database, occurrence);

    public enum Action { None, Request, RecordMissed }

    /// <summary>
    /// Before the deadline an occurrence without a backup is requested; after it, an occurrence whose backup was never
    /// taken is recorded as missed (once).
    /// </summary>
    public static Action Decide(DateTimeOffset occurrence, TimeSpan deadline, DateTimeOffset now, ScheduledBackupState? existing)
    {
        var late = now >= occurrence + deadline;
        if (existing is null)
        {
            return late ? Action.RecordMissed : Action.Request;
        }

        return late && !existing.Taken && !existing.Missed ? Action.RecordMissed : Action.None;
    }
}

/// <summary>What the ledger knows of one scheduled occurrence's backup.</summary>
public sealed record ScheduledBackupState(bool Taken, bool Missed);
