using Ledger.Api.Auth;
using Ledger.Contracts.Retention;
using Ledger.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace Ledger.Api.Retention;

/// <summary>
/// <c>POST /api/v1/backups/prune</c> <c>{"dryRun": true}</c>: what the retention policy deletes and keeps, and why.
/// A real run sends each expired artifact to its agent for deletion; the agents record BackupExpired.
/// </summary>
public static class PruneEndpoint
{
    public static ProblemDetails Validate(PruneRequest? request) =>
        request is null ? Problems.Invalid(new() { ["body"] = ["A JSON object is required, e.g. {\"dryRun\": true}."] }) : WolverineContinue.NoProblems;

    [WolverinePost("/api/v1/backups/prune")]
    [Authorize(Policy = Policies.Operate)]
    public static Task<PrunePlan> Post(PruneRequest request, IMessageBus bus, DateTimeOffset now, CancellationToken ct) =>
        bus.InvokeAsync<PrunePlan>(new RunPrune(request.DryRun, now, request.Environment), ct);
}
