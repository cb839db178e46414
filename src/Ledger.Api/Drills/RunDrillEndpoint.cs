using System.Security.Claims;
using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Api.Restores;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace Ledger.Api.Drills;

/// <summary>
/// <c>POST /api/v1/drills</c>: start a restore drill. The drill target must resolve to a non-primary database (a primary
/// is refused, always, and the refusal recorded as DrillStarted + DrillFailed); the newest verified backup is restored
/// through <see cref="RestoreStarter"/> with the drill's id, and <see cref="DrillOutcomeHandler"/> records the outcome.
/// </summary>
public static class RunDrillEndpoint
{
    public static ProblemDetails Validate(RequestDrill? request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            return Problems.Invalid(new() { ["body"] = ["A drill request is required."] });
        }

        if (!EnvironmentNames.IsValid(request.Environment)) errors["environment"] = ["Lower-case letters, digits and dashes, starting with a letter (at most 32)."];
        if (string.IsNullOrWhiteSpace(request.Database)) errors["database"] = ["Required."];
        if (request.TargetDatabase is not null && string.IsNullOrWhiteSpace(request.TargetDatabase)) errors["targetDatabase"] = ["Must not be blank."];
        else if (!string.IsNullOrWhiteSpace(request.Database)
                 && RestoreRules.TargetNameProblem(TargetName(request)) is { } problem)
        {
            // The same rules as a restore target: a drill target is restored into, then dropped.
            errors["targetDatabase"] = [request.TargetDatabase is null ? $"The default target '{TargetName(request)}': {problem}" : problem];
        }

        if (request.ManualSteps is { } steps && steps.Any(s => s is null || s.Length > 500)) errors["manualSteps"] = ["Each step is text of at most 500 characters."];
        return errors.Count == 0 ? WolverineContinue.NoProblems : Problems.Invalid(errors);
    }

    [WolverinePost("/api/v1/drills")]
    [Authorize(Policy = Policies.RequestRestore)]
    [ProducesResponseType<DrillAccepted>(StatusCodes.Status202Accepted)]
    public static async Task<IResult> Post(RequestDrill request, IDocumentSession session, IMessageBus bus,
        ClaimsPrincipal user, LedgerOptions options, DateTimeOffset now, CancellationToken ct)
    {
        var drillId = Guid.CreateVersion7(now);
        var who = user.Identity?.Name ?? "unknown";
        var targetName = TargetName(request);
        var steps = ManualSteps.Recorded(request.ManualSteps);

        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        var target = RestoreTargets.Resolve(request.Environment, targetName, agents.SelectMany(a => a.Databases));
        if (target is null)
        {
            return Results.Problem(Problems.Invalid(new() { ["environment"] = [$"No agent serves environment '{request.Environment}', so no drill target can be reached."] }));
        }

        var backup = await session.Query<RestorePoint>()
            .Where(x => x.Environment == request.Environment && x.Database == request.Database && x.Status == BackupStatus.Verified)
            .OrderByDescending(x => x.Timestamp).FirstOrDefaultAsync(ct);
        session.Events.StartStream(drillId, new DrillStarted(drillId, request.Environment, request.Database, target.Database,
            backup?.Id ?? Guid.Empty, backup?.Timestamp ?? now, steps, request.Keep, who, now));

        if (target.Role == DatabaseRoles.Primary)
        {
            return await FailAsync(session, drillId, null, DrillStages.Refused,
                $"Drill target {target.Environment}/{target.Database} is a primary database: drills never restore into a primary.", 400, now, ct);
        }

        if (target.Managed)
        {
            // A drill target is scratch, restored into and dropped afterwards: never a database an agent manages.
            return await FailAsync(session, drillId, null, DrillStages.Refused,
                $"Drill target '{target.Database}' is {target.ManagedElsewhere ?? $"{target.Environment}/{target.Database}"}, a database an agent manages: a drill restores only into a scratch database (the default is '{DrillTargets.DefaultFor(request.Database)}').",
                400, now, ct);
        }

        if (backup is null)
        {
            return await FailAsync(session, drillId, null, DrillStages.NoBackup,
                $"No verified backup of {request.Environment}/{request.Database} to drill with.", 409, now, ct);
        }

        var order = new RestoreOrder(new RequestRestore(backup.Id, target.Database, target.Database, request.Environment),
            who, user.IsInRole(Roles.Operator), drillId);
        // RestoreStarter commits the session (with DrillStarted) together with the restore stream and its message.
        var start = await RestoreStarter.StartAsync(order, session, bus, options, now, ct);
        if (!start.Accepted)
        {
            var reason = start.Refusal?.Reason ?? start.NotFound ?? string.Join(" ", start.Invalid?.SelectMany(e => e.Value) ?? []);
            return await FailAsync(session, drillId, start.RestoreId, DrillStages.Refused, "The restore was refused: " + reason,
                start.Refusal?.Status ?? 400, now, ct);
        }

        var location = $"/api/v1/drills/{drillId}";
        return Results.Accepted(location, new DrillAccepted(drillId, start.RestoreId!.Value, backup.Id, target.Database, location));
    }

    private static string TargetName(RequestDrill request) =>
        string.IsNullOrWhiteSpace(request.TargetDatabase) ? DrillTargets.DefaultFor(request.Database.Trim()) : request.TargetDatabase.Trim();

    private static async Task<IResult> FailAsync(IDocumentSession session, Guid drillId, Guid? restoreId, string stage, string reason,
        int status, DateTimeOffset now, CancellationToken ct)
    {
        session.Events.Append(drillId, new DrillFailed(drillId, restoreId, stage, reason, now));
        await session.SaveChangesAsync(ct);
        return Results.Problem(new ProblemDetails
        {
            Status = status,
            Title = "Drill refused",
            Detail = reason,
            Extensions = { ["drillId"] = drillId, ["stage"] = stage, ["location"] = $"/api/v1/drills/{drillId}" },
        });
    }
}
