using Ledger.Api.Drills;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Drills;
using Marten;
using Wolverine;

namespace Ledger.Api.Schedules;

/// <summary>Asks the scheduler to look at every announced database's drill schedule as of <see cref="Now"/>.</summary>
public sealed record RunDrillScheduleTick(DateTimeOffset Now);

/// <summary>
/// Starts the scheduled drills that are due (trigger <c>scheduled</c>) through <see cref="DrillStarter"/>, with the
/// occurrence's deterministic id, so a repeated tick or a second node starts nothing more; an occurrence the drill
/// refuses (no verified backup, an invalid or managed target, no live agent) is on record as DrillStarted + DrillFailed
/// with the reason, one the ledger did not reach before <c>Schedules:Deadline</c> as <see cref="DrillMissed"/>.
/// </summary>
public static class DrillScheduleTickHandler
{
    public const string Scheduler = "scheduler";

    public static async Task Handle(RunDrillScheduleTick tick, IDocumentSession session, IMessageBus bus, ScheduleOptions schedules,
        LedgerOptions options, CancellationToken ct)
    {
        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        var databases = agents.SelectMany(a => a.Databases)
            .GroupBy(d => (d.Environment, d.Name)).Select(g => g.First()).ToList();

        foreach (var database in databases)
        {
            foreach (var occurrence in DrillScheduleRules.Due(database, tick.Now, schedules.Lookback))
            {
                var id = DrillScheduleRules.DrillIdFor(database.Environment, database.Name, occurrence);
                var exists = await session.Events.FetchStreamStateAsync(id, ct) is not null;
                switch (DrillScheduleRules.Decide(occurrence, schedules.Deadline, tick.Now, exists))
                {
                    case DrillScheduleRules.Action.Start:
                        // Each start commits on its own (with its restore and the restore's message), like a drill asked for by hand.
                        var order = new DrillOrder(DrillScheduleRules.RequestFor(database), Scheduler, CallerIsOperator: false, id,
                            DrillTriggers.Scheduled, occurrence);
                        await DrillStarter.StartAsync(order, session, bus, options, tick.Now, ct);
                        break;
                    case DrillScheduleRules.Action.RecordMissed:
                        var request = DrillScheduleRules.RequestFor(database);
                        session.Events.StartStream<Drill>(id, new DrillMissed(id, database.Environment, database.Name,
                            DrillRules.TargetEnvironment(request), request.TargetDatabase ?? DrillTargets.DefaultFor(database.Name), occurrence,
                            $"The ledger did not start it by its deadline ({schedules.Deadline.TotalMinutes:0} minutes after {occurrence:u}): it was not running.",
                            tick.Now));
                        await session.SaveChangesAsync(ct);
                        break;
                }
            }
        }
    }
}
