using Ledger.Api.Restores;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Marten;
using Wolverine;

namespace Ledger.Api.Drills;

/// <summary>
/// Who asks for a drill and how: a person or pipeline through the API (<see cref="DrillTriggers.Manual"/>, a new id),
/// or the ledger's drill schedule (<see cref="DrillTriggers.Scheduled"/>, the occurrence's deterministic id).
/// </summary>
public sealed record DrillOrder(RequestDrill Request, string RequestedBy, bool CallerIsOperator, Guid DrillId,
    string Trigger = DrillTriggers.Manual, DateTimeOffset? ScheduledFor = null)
{
    public bool Scheduled => Trigger == DrillTriggers.Scheduled;
}

/// <summary>A drill's refusal: the stage (<see cref="DrillStages"/>), why, and the HTTP status it answers with.</summary>
public sealed record DrillRefusal(string Stage, string Reason, int Status);

/// <summary>
/// How a drill request ended at the ledger: accepted (its restore is on the target environment's queue), refused and
/// recorded (DrillStarted + DrillFailed), or rejected before anything was recorded (<see cref="Invalid"/>: a manual
/// request's bad input; a scheduled occurrence is always recorded).
/// </summary>
public sealed record DrillStart(Guid DrillId, DrillAccepted? Accepted, DrillRefusal? Refusal, Dictionary<string, string[]>? Invalid);

/// <summary>
/// Starts a drill: resolves the drill target in the target environment (the source's unless the request names
/// another) from what agents announced, like a restore target, and refuses, recording the refusal, a primary or any
/// managed database of any environment; otherwise restores the source's newest verified backup there through
/// <see cref="RestoreStarter"/> with the drill's id, under the restore's interlocks (a live agent serving the target
/// environment among them). Used by <c>POST /api/v1/drills</c> and by the drill schedule.
/// </summary>
public static class DrillStarter
{
    public static async Task<DrillStart> StartAsync(DrillOrder order, IDocumentSession session, IMessageBus bus,
        LedgerOptions options, DateTimeOffset now, CancellationToken ct)
    {
        var request = order.Request;
        var drillId = order.DrillId;
        var invalid = DrillRules.Check(request);
        var targetEnvironment = DrillRules.TargetEnvironment(request);
        var targetName = invalid.ContainsKey("targetDatabase") || invalid.ContainsKey("database") ? request.TargetDatabase ?? "" : DrillRules.TargetName(request);
        var steps = ManualSteps.Recorded(request.ManualSteps);

        RestoreTarget? target = null;
        if (invalid.Count == 0)
        {
            var agents = await session.Query<AgentStatus>().ToListAsync(ct);
            target = RestoreTargets.Resolve(targetEnvironment, targetName, agents.SelectMany(a => a.Databases));
            if (target is null)
            {
                invalid[request.TargetEnvironment is null ? "environment" : "targetEnvironment"] =
                    [$"No agent serves environment '{targetEnvironment}', so no drill target can be reached."];
            }
        }

        if (invalid.Count > 0 && !order.Scheduled)
        {
            return new DrillStart(drillId, null, null, invalid);
        }

        var backup = invalid.Count > 0 ? null : await session.Query<RestorePoint>()
            .Where(x => x.Environment == request.Environment && x.Database == request.Database && x.Status == BackupStatus.Verified)
            .OrderByDescending(x => x.Timestamp).FirstOrDefaultAsync(ct);
        session.Events.StartStream<Drill>(drillId, new DrillStarted(drillId, request.Environment, request.Database, targetName,
            backup?.Id ?? Guid.Empty, backup?.Timestamp ?? now, steps, request.Keep, order.RequestedBy, now,
            targetEnvironment, order.Trigger, order.ScheduledFor));

        if (invalid.Count > 0)
        {
            // A scheduled occurrence the agents' configuration makes impossible: on record, with the reason.
            return await RefuseAsync(session, drillId, null, new DrillRefusal(DrillStages.Refused,
                string.Join(" ", invalid.Select(e => $"{e.Key}: {string.Join("; ", e.Value)}")), 400), now, ct);
        }

        if (target!.Role == DatabaseRoles.Primary)
        {
            return await RefuseAsync(session, drillId, null, new DrillRefusal(DrillStages.Refused,
                $"Drill target {target.Environment}/{target.Database} is a primary database: drills never restore into a primary.", 400), now, ct);
        }

        if (target.Managed)
        {
            // A drill target is scratch, restored into and dropped afterwards: never a database an agent manages.
            return await RefuseAsync(session, drillId, null, new DrillRefusal(DrillStages.Refused,
                $"Drill target '{target.Database}' is {target.ManagedElsewhere ?? $"{target.Environment}/{target.Database}"}, a database an agent manages: a drill restores only into a scratch database (the default is '{DrillTargets.DefaultFor(request.Database)}').",
                400), now, ct);
        }

        if (backup is null)
        {
            return await RefuseAsync(session, drillId, null, new DrillRefusal(DrillStages.NoBackup,
                $"No verified backup of {request.Environment}/{request.Database} to drill with.", 409), now, ct);
        }

        var restoreOrder = new RestoreOrder(new RequestRestore(backup.Id, target.Database, target.Database, targetEnvironment),
            order.RequestedBy, order.CallerIsOperator, drillId);
        // RestoreStarter commits the session (with DrillStarted) together with the restore stream and its message.
        var start = await RestoreStarter.StartAsync(restoreOrder, session, bus, options, now, ct);
        if (!start.Accepted)
        {
            var reason = start.Refusal?.Reason ?? start.NotFound ?? string.Join(" ", start.Invalid?.SelectMany(e => e.Value) ?? []);
            return await RefuseAsync(session, drillId, start.RestoreId, new DrillRefusal(DrillStages.Refused,
                "The restore was refused: " + reason, start.Refusal?.Status ?? 400), now, ct);
        }

        return new DrillStart(drillId, new DrillAccepted(drillId, start.RestoreId!.Value, backup.Id, target.Database,
            $"/api/v1/drills/{drillId}", targetEnvironment), null, null);
    }

    private static async Task<DrillStart> RefuseAsync(IDocumentSession session, Guid drillId, Guid? restoreId, DrillRefusal refusal,
        DateTimeOffset now, CancellationToken ct)
    {
        session.Events.Append(drillId, new DrillFailed(drillId, restoreId, refusal.Stage, refusal.Reason, now));
        await session.SaveChangesAsync(ct);
        return new DrillStart(drillId, null, refusal, null);
    }
}
