using System.Security.Claims;
using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace Ledger.Api.Backups;

/// <summary>
/// <c>POST /api/v1/backups</c>: starts a backup stream and sends <see cref="TakeBackup"/> to the queue of the agents
/// serving the environment, in one transaction (Wolverine's outbox). Answers 202 with where to follow it.
/// </summary>
public static class RequestBackupEndpoint
{
    public static async Task<ProblemDetails> ValidateAsync(RequestBackup? request, IQuerySession session, CancellationToken ct)
    {
        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        var errors = BackupRequestRules.Check(request, agents);
        return errors.Count == 0 ? WolverineContinue.NoProblems : Problems.Invalid(errors);
    }

    [WolverinePost("/api/v1/backups")]
    [Authorize(Policy = Policies.RequestBackup)]
    [ProducesResponseType<BackupAccepted>(StatusCodes.Status202Accepted)]
    public static (IResult, IStartStream, OutgoingMessages) Post(
        RequestBackup request, ClaimsPrincipal user, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now);
        var trigger = request.Trigger ?? BackupTriggers.Manual;
        var requested = new BackupRequested(id, request.Environment, request.Database, trigger, request.Release,
            user.Identity?.Name ?? "unknown", now);

        var outgoing = new OutgoingMessages();
        outgoing.ToDestination(
            new TakeBackup(id, request.Environment, request.Database, trigger, request.Release, now),
            Queues.UriFor(request.Environment));

        var location = $"/api/v1/backups/{id}";
        return (
            Results.Accepted(location, new BackupAccepted(id, request.Environment, request.Database, trigger, location)),
            MartenOps.StartStream<Backup>(id, requested),
            outgoing);
    }
}
