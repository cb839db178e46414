using System.Security.Claims;
using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Contracts.Common;
using Ledger.Contracts.Restores;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace Ledger.Api.Restores;

/// <summary>
/// <c>POST /api/v1/restores</c>: restore a verified backup into a target database, or (<c>plan: true</c>) find out what
/// that would do. 202 with where to follow it. Malformed input is a 400 that appends nothing; an interlock refusal
/// (confirmation 400, primary target 400, operator role 403, backup not restorable 409, restore in progress 409) is
/// recorded as RestoreRequested + RestoreRefused and answered with a problem naming the interlock and the restore id.
/// </summary>
public static class RequestRestoreEndpoint
{
    public static ProblemDetails Validate(RequestRestore? request)
    {
        var errors = RestoreRules.Check(request);
        return errors.Count == 0 ? WolverineContinue.NoProblems : Problems.Invalid(errors);
    }

    [WolverinePost("/api/v1/restores")]
    [Authorize(Policy = Policies.RequestRestore)]
    [ProducesResponseType<RestoreAccepted>(StatusCodes.Status202Accepted)]
    public static async Task<IResult> Post(RequestRestore request, IDocumentSession session, IMessageBus bus,
        ClaimsPrincipal user, LedgerOptions options, DateTimeOffset now, CancellationToken ct)
    {
        var order = new RestoreOrder(request, user.Identity?.Name ?? "unknown", user.IsInRole(Roles.Operator));
        var start = await RestoreStarter.StartAsync(order, session, bus, options, now, ct);
        if (start.NotFound is { } notFound)
        {
            return Results.Problem(Problems.NotFound(notFound));
        }

        if (start.Invalid is { } invalid)
        {
            return Results.Problem(Problems.Invalid(invalid));
        }

        var location = start.RestoreId is { } id ? $"/api/v1/restores/{id}" : null;
        if (start.Refusal is { } refusal)
        {
            var problem = new ProblemDetails
            {
                Status = refusal.Status,
                Title = "Restore refused",
                Detail = refusal.Reason,
                Extensions = { ["interlock"] = refusal.Interlock },
            };
            if (start.RestoreId is { } refusedId)
            {
                problem.Extensions["restoreId"] = refusedId;
                problem.Extensions["location"] = location;
            }

            return Results.Problem(problem);
        }

        return Results.Accepted(location, new RestoreAccepted(start.RestoreId!.Value, request.Plan, RestoreStatus.Requested, location!));
    }
}
