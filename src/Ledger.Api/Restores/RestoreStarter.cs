using Ledger.Contracts.Common;
using Ledger.Postgres;
using Ledger.Api.Agents;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Restores;
using Marten;
using Wolverine;

namespace Ledger.Api.Restores;

/// <summary>Who asks for a restore and how: a person or pipeline through the API, or a drill.</summary>
public sealed record RestoreOrder(RequestRestore Request, string RequestedBy, bool CallerIsOperator, Guid? DrillId = null);

/// <summary>
/// How a restore request ended at the ledger: accepted (the agent has it), refused by an interlock (recorded as
/// RestoreRequested + RestoreRefused), or rejected before any stream was started (invalid, not found).
/// </summary>
public sealed record RestoreStart(Guid? RestoreId, RestoreRefusal? Refusal, Dictionary<string, string[]>? Invalid, string? NotFound)
{
    public bool Accepted => RestoreId is not null && Refusal is null;
}

/// <summary>
/// Starts a restore (or a plan): resolves the target from what agents announced, checks the interlocks under an
/// advisory lock on the target so that two requests cannot both pass the "no restore in progress" check, appends the
/// stream and sends <see cref="RestoreBackup"/> (or <see cref="PlanRestore"/>) to the target environment's queue, and
/// commits before the lock is released. Used by <c>POST /api/v1/restores</c>, and meant for drills too.
/// </summary>
public static class RestoreStarter
{
    public static async Task<RestoreStart> StartAsync(RestoreOrder order, IDocumentSession session, IMessageBus bus,
        LedgerOptions options, DateTimeOffset now, CancellationToken ct)
    {
        var request = order.Request;
        var backup = await session.LoadAsync<RestorePoint>(request.BackupId, ct);
        if (backup is null)
        {
            return new RestoreStart(null, null, null, $"No backup with id {request.BackupId}.");
        }

        var environment = request.Environment ?? backup.Environment;
        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        var target = RestoreTargets.Resolve(environment, request.TargetDatabase, agents.SelectMany(a => a.Databases));
        if (target is null)
        {
            var known = agents.SelectMany(a => a.Environments).Distinct().Order().ToList();
            return new RestoreStart(null, null, new Dictionary<string, string[]>
            {
                ["environment"] = [$"No agent serves environment '{environment}', so nothing can reach the target. Known: {(known.Count == 0 ? "none" : string.Join(", ", known))}."],
            }, null);
        }

        var taken = (await session.Events.FetchStreamAsync(backup.Id, token: ct)).Select(e => e.Data).OfType<BackupTaken>().LastOrDefault();
        if (request.Plan && taken is null)
        {
            return new RestoreStart(null, new RestoreRefusal(Interlocks.BackupNotRestorable,
                $"Nothing to plan: backup {backup.Id} is {backup.Status.ToWire()} and has no artifact.", 409), null, null);
        }

        await using var targetLock = request.Plan ? null : await PgAdvisoryLock.AcquireAsync(
            options.ConnectionString, PgAdvisoryLock.KeyFor("restore-target", target.Environment, target.Database), options.LockWait, ct);

        var restoreId = Guid.CreateVersion7(now);
        var active = await session.Query<RestoreView>()
            .Where(RestoreRules.Unfinished)
            .Where(x => x.Environment == target.Environment && x.TargetDatabase == target.Database)
            .ToListAsync(ct);
        var agent = AgentLiveness.Of(agents, target.Environment, options.AgentTimeout, now);
        var refusals = RestoreRules.Refusals(request, backup, target, order.CallerIsOperator, active, now, agent);

        var past = await session.Query<RestoreView>()
            .Where(x => !x.Plan && x.DurationMs != null)
            .OrderByDescending(x => x.RequestedAt)
            .Take(200)
            .ToListAsync(ct);
        var estimate = RestoreEstimates.Expected(backup.SizeBytes ?? 0, past.Select(p => new PastRestore(p.BackupSizeBytes, p.DurationMs!.Value)).ToList());

        var requested = new RestoreRequested(restoreId, backup.Id, backup.Environment, backup.Database, target, request.Plan,
            request.AllowPrimary, backup.SizeBytes ?? 0, backup.Timestamp, estimate, request.Plan ? refusals : [],
            order.RequestedBy, now, order.DrillId);

        // A plan lists the interlocks a restore would meet, but it is the agent that reads the target: without one, even
        // a plan is refused.
        if ((!request.Plan && refusals.Count > 0) || (request.Plan && !agent.Alive))
        {
            var refusal = refusals[0];
            session.Events.StartStream<Restore>(restoreId, requested, new RestoreRefused(restoreId, refusal.Interlock, refusal.Reason, refusal.Status, now));
            await session.SaveChangesAsync(ct);
            return new RestoreStart(restoreId, refusal, null, null);
        }

        var artifact = new RestoreArtifact(backup.Id, backup.Environment, backup.Database, taken!.ArtifactPath, taken.SizeBytes,
            taken.Sha256, backup.Timestamp, taken.TableRowCounts, taken.Fingerprint, taken.Repository, taken.Key, taken.KeyId,
            backup.Copies.Where(c => c.Status == CopyStatus.Copied)
                .Select(c => new ArtifactCopy(c.Repository, c.Key!, c.SizeBytes!.Value, c.Sha256!)).ToList(), taken.SourceOwner);
        session.Events.StartStream<Restore>(restoreId, requested);
        var queue = bus.EndpointFor(Queues.UriFor(target.Environment));
        if (request.Plan)
        {
            await queue.SendAsync(new PlanRestore(restoreId, artifact, target, now));
        }
        else
        {
            await queue.SendAsync(new RestoreBackup(restoreId, artifact, target, now));
        }

        // Commit while holding the lock, so a concurrent request for the same target sees this restore.
        await session.SaveChangesAsync(ct);
        return new RestoreStart(restoreId, null, null, null);
    }
}
