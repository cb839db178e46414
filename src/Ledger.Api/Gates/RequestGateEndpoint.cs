using Ledger.Contracts.Common;
using Ledger.Postgres;
using System.Security.Claims;
using Ledger.Api.Auth;
using Ledger.Api.Backups;
using Ledger.Api.Http;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Gates;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace Ledger.Api.Gates;

/// <summary>
/// <c>POST /api/v1/gates</c>: "may this upgrade start?". Opens at once when a fresh verified pre-upgrade backup at the
/// running release exists; otherwise starts (or joins) the gate's pending attempt, which asks the environment's agent
/// for a pre-upgrade backup and waits for it (see <see cref="GateHandler"/>) until its deadline.
/// Concurrent requests for one environment, database and target release meet on one stream, under one advisory
/// lock, so they cause exactly one backup.
/// </summary>
public static class RequestGateEndpoint
{
    public static async Task<ProblemDetails> ValidateAsync(RequestGate? request, IQuerySession session, CancellationToken ct)
    {
        var errors = GateRequestRules.Check(request, await session.Query<AgentStatus>().ToListAsync(ct));
        return errors.Count == 0 ? WolverineContinue.NoProblems : Problems.Invalid(errors);
    }

    [WolverinePost("/api/v1/gates")]
    [Authorize(Policy = Policies.RequestBackup)]
    [ProducesResponseType<GateView>(200)]
    public static async Task<GateView> Post(RequestGate request, IDocumentSession session, IMessageBus bus,
        ClaimsPrincipal user, LedgerOptions options, DateTimeOffset now, CancellationToken ct)
    {
        var gateId = GateIds.For(request.Environment, request.Database, request.TargetRelease);
        await using var gateLock = await PgAdvisoryLock.AcquireAsync(options.ConnectionString, PgAdvisoryLock.KeyFor("gate", gateId.ToString()), options.LockWait, ct);

        var stream = await session.Events.FetchForWriting<Gate>(gateId, ct);
        if (stream.Aggregate is { Status: GateStatus.Pending })
        {
            return (await session.LoadAsync<GateView>(gateId, ct))!; // join the attempt under way
        }

        var maxAge = TimeSpan.FromSeconds(request.MaxBackupAgeSeconds ?? (long)GateRequestRules.DefaultMaxAge.TotalSeconds);
        var timeout = TimeSpan.FromSeconds(request.TimeoutSeconds ?? (long)GateRequestRules.DefaultTimeout.TotalSeconds);
        var attempt = (stream.Aggregate?.Attempt ?? 0) + 1;
        var who = user.Identity?.Name ?? "unknown";
        GateRequested Requested(Guid? backupId) => new(gateId, attempt, request.Environment, request.Database,
            request.TargetRelease, request.CurrentRelease, (long)maxAge.TotalSeconds, (long)timeout.TotalSeconds, backupId, who, now);

        var fresh = await FreshBackups.FindAsync(session, request.Environment, request.Database, request.CurrentRelease, maxAge, now, ct);
        if (fresh is { Fresh: true, Evidence: { } evidence })
        {
            stream.AppendMany(Requested(evidence.BackupId),
                new GateOpened(gateId, attempt, evidence.BackupId, evidence.AgeSeconds ?? 0, evidence.VerifiedAt ?? now, fresh.Reason, now));
        }
        else if (!await FreshBackups.AgentAliveAsync(session, request.Environment, options.AgentTimeout, now, ct))
        {
            stream.AppendMany(Requested(null), new GateDenied(gateId, attempt, null,
                $"No live agent serves environment '{request.Environment}' (no heartbeat within {DurationText.Span(options.AgentTimeout)}).", now));
        }
        else
        {
            var backupId = Guid.CreateVersion7(now);
            session.Events.StartStream<Backup>(backupId, new BackupRequested(backupId, request.Environment, request.Database,
                BackupTriggers.PreUpgrade, request.CurrentRelease, $"gate {gateId} for {who}", now, gateId));
            stream.AppendOne(Requested(backupId));
            await bus.EndpointFor(Queues.UriFor(request.Environment))
                .SendAsync(new TakeBackup(backupId, request.Environment, request.Database, BackupTriggers.PreUpgrade, request.CurrentRelease, now));
            await bus.ScheduleAsync(new GateTimedOut(gateId, attempt), timeout);
        }

        // Commit while holding the lock, so a concurrent request sees this attempt.
        await session.SaveChangesAsync(ct);
        return (await session.LoadAsync<GateView>(gateId, ct))!;
    }
}
