using Ledger.Contracts.Agents;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;

namespace Ledger.Api.Schedules;

/// <summary>What a database's drill schedule asks of the ledger at a given moment (pure, tested without a host).</summary>
public static class DrillScheduleRules
{
    /// <summary>Occurrences of the drill schedule (in the database's time zone) in (now - lookback, now], oldest first; none when it has none.</summary>
    public static IReadOnlyList<DateTimeOffset> Due(ManagedDatabase database, DateTimeOffset now, TimeSpan lookback) =>
        ScheduleRules.Parse(database.DrillSchedule, CronRule.Off) is { } cron
            ? cron.GetOccurrences(now - lookback, now, ScheduleRules.Zone(database.TimeZone), fromInclusive: false, toInclusive: true).ToList()
            : [];

    /// <summary>The drill of one occurrence (<see cref="DeterministicIds.ScheduledDrill"/>): a repeated tick or a second node meets it.</summary>
    public static Guid DrillIdFor(string environment, string database, DateTimeOffset occurrence) =>
        DeterministicIds.ScheduledDrill(environment, database, occurrence);

    /// <summary>The drill request an occurrence makes: the announced target environment and database, or the defaults.</summary>
    public static RequestDrill RequestFor(ManagedDatabase database) =>
        new(database.Environment, database.Name, string.IsNullOrWhiteSpace(database.DrillTargetDatabase) ? null : database.DrillTargetDatabase,
            [], Keep: false, string.IsNullOrWhiteSpace(database.DrillTargetEnvironment) ? null : database.DrillTargetEnvironment);

    public enum Action { None, Start, RecordMissed }

    /// <summary>
    /// An occurrence is started once, while it is younger than the deadline; one the ledger did not reach by then is
    /// recorded as missed (once). An occurrence that already has its drill stream is left alone, whatever became of it.
    /// </summary>
    public static Action Decide(DateTimeOffset occurrence, TimeSpan deadline, DateTimeOffset now, bool exists) =>
        exists ? Action.None : now >= occurrence + deadline ? Action.RecordMissed : Action.Start;
}
