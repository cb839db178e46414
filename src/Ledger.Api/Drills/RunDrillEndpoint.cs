using System.Security.Claims;
using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace Ledger.Api.Drills;

/// <summary>
/// <c>POST /api/v1/drills</c>: start a restore drill, in the source's environment or in <c>targetEnvironment</c>
/// (production's backup drilled in staging). Malformed input is a 400 that appends nothing; a refusal (primary or
/// managed target 400, no verified backup 409, a restore interlock such as no live agent 503) is recorded as
/// DrillStarted + DrillFailed and answered with a problem naming the drill (<see cref="DrillStarter"/>).
/// </summary>
public static class RunDrillEndpoint
{
    public static ProblemDetails Validate(RequestDrill? request)
    {
        var errors = DrillRules.Check(request);
        return errors.Count == 0 ? WolverineContinue.NoProblems : Problems.Invalid(errors);
    }

    [WolverinePost("/api/v1/drills")]
    [Authorize(Policy = Policies.RequestRestore)]
    [ProducesResponseType<DrillAccepted>(StatusCodes.Status202Accepted)]
    public static async Task<IResult> Post(RequestDrill request, IDocumentSession session, IMessageBus bus,
        ClaimsPrincipal user, LedgerOptions options, DateTimeOffset now, CancellationToken ct)
    {
        var order = new DrillOrder(request, user.Identity?.Name ?? "unknown", user.IsInRole(Roles.Operator), Guid.CreateVersion7(now));
        var start = await DrillStarter.StartAsync(order, session, bus, options, now, ct);
        if (start.Invalid is { } invalid)
        {
            return Results.Problem(Problems.Invalid(invalid));
        }

        if (start.Refusal is { } refusal)
        {
            return Results.Problem(new ProblemDetails
            {
                Status = refusal.Status,
                Title = "Drill refused",
                Detail = refusal.Reason,
                Extensions = { ["drillId"] = start.DrillId, ["stage"] = refusal.Stage, ["location"] = $"/api/v1/drills/{start.DrillId}" },
            });
        }

        var accepted = start.Accepted!;
        return Results.Accepted(accepted.Location, accepted);
    }
}
