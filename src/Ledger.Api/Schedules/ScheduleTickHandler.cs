using Ledger.Contracts.Common;
using Ledger.Api.Backups;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Marten;
using Wolverine;

namespace Ledger.Api.Schedules;

/// <summary>Asks the scheduler to look at every announced database's schedule as of <see cref="Now"/>.</summary>
public sealed record RunScheduleTick(DateTimeOffset Now);

/// <summary>
/// Requests the scheduled backups that are due (trigger <c>scheduled</c>) and records the ones that were not taken by
/// their deadline as <see cref="BackupMissed"/>. Deterministic backup ids make a repeated tick harmless.
/// </summary>
public static class ScheduleTickHandler
{
    public static async Task<OutgoingMessages> Handle(RunScheduleTick tick, IDocumentSession session, ScheduleOptions options,
        CancellationToken ct)
    {
        var outgoing = new OutgoingMessages();
        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        var databases = agents.SelectMany(a => a.Databases)
            .GroupBy(d => (d.Environment, d.Name)).Select(g => g.First()).ToList();

        foreach (var database in databases)
        {
            foreach (var occurrence in ScheduleRules.Due(database, tick.Now, options.Lookback))
            {
                var id = ScheduleRules.BackupIdFor(database.Environment, database.Name, occurrence);
                var existing = await session.LoadAsync<RestorePoint>(id, ct);
                var state = existing is null ? null : new ScheduledBackupState(
                    existing.Status is BackupStatus.Taken or BackupStatus.Verified or BackupStatus.Expired, existing.Missed);

                switch (ScheduleRules.Decide(occurrence, options.Deadline, tick.Now, state))
                {
                    case ScheduleRules.Action.Request:
                        session.Events.StartStream<Backup>(id, new BackupRequested(id, database.Environment, database.Name,
                            BackupTriggers.Scheduled, null, "scheduler", tick.Now, null, occurrence));
                        outgoing.ToDestination(
                            new TakeBackup(id, database.Environment, database.Name, BackupTriggers.Scheduled, null, tick.Now),
                            Queues.UriFor(database.Environment));
                        break;
                    case ScheduleRules.Action.RecordMissed:
                        var missed = new BackupMissed(id, database.Environment, database.Name, occurrence,
                            occurrence + options.Deadline,
                            existing is null
                                ? "The ledger never requested it (it was not running at the scheduled time)."
                                : $"Not taken by the deadline (status {existing.Status.ToWire()}{(existing.FailureReason is { } r ? ": " + r : "")}).",
                            tick.Now);
                        if (existing is null)
                        {
                            session.Events.StartStream<Backup>(id, missed);
                        }
                        else
                        {
                            session.Events.Append(id, missed);
                        }

                        break;
                }
            }
        }

        return outgoing;
    }
}
