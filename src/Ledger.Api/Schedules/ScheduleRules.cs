using System.Security.Cryptography;
using System.Text;
using Cronos;
using Ledger.Contracts.Agents;

namespace Ledger.Api.Schedules;

/// <summary>What the schedule asks of a database at a given moment (pure, tested without a host).</summary>
public static class ScheduleRules
{
    /// <summary>Parses 5-field (minute precision) or 6-field (with seconds) cron; null for "off".</summary>
    public static CronExpression? Parse(string? schedule)
    {
        var text = string.IsNullOrWhiteSpace(schedule) ? ManagedDatabase.DefaultSchedule : schedule.Trim();
        if (text == ManagedDatabase.NoSchedule)
        {
            return null;
        }

        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
    }

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

    /// <summary>One backup id per database and occurrence, so that any node (or a retry) creates it at most once.</summary>
    public static Guid BackupIdFor(string environment, string database, DateTimeOffset occurrence)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"dgledger-scheduled\n{environment}\n{database}\n{occurrence.UtcTicks}"));
        var guid = bytes.AsSpan(0, 16).ToArray();
        guid[6] = (byte)((guid[6] & 0x0F) | 0x80); // version 8: custom
        guid[8] = (byte)((guid[8] & 0x3F) | 0x80);
        return new Guid(guid, bigEndian: true);
    }

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
