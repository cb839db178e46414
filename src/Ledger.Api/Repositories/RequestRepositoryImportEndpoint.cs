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

namespace Ledger.Api.Repositories;

/// <summary>
/// <c>POST /api/v1/repository/imports {environment, repository}</c>: asks the agent serving the environment (which holds
/// the repository's credentials and keys; the ledger holds neither) to read the repository's manifests of that
/// environment; its answer rebuilds the restore points (<see cref="RepositoryScannedHandler"/>).
/// </summary>
public static class RequestRepositoryImportEndpoint
{
    public static async Task<ProblemDetails> ValidateAsync(RequestRepositoryImport? request, IQuerySession session, LedgerOptions ledger,
        TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["body"] = ["A JSON body {environment, repository} is required."] });
        }

        if (!EnvironmentNames.IsValid(request.Environment))
        {
            errors["environment"] = ["Lower-case letters, digits and dashes, starting with a letter, at most 32 characters."];
        }

        if (string.IsNullOrWhiteSpace(request.Repository) || request.Repository.Length > 1024 || request.Repository.Any(char.IsControl))
        {
            errors["repository"] = ["The repository as the agent is configured with it: a directory or s3://bucket/prefix."];
        }

        if (errors.Count == 0)
        {
            var agents = await session.Query<AgentStatus>().ToListAsync(ct);
            var now = clock.GetUtcNow();
            if (!agents.Any(a => a.Environments.Contains(request.Environment) && now - a.LastHeartbeat <= ledger.AgentTimeout))
            {
                errors["environment"] = [$"No live agent serves '{request.Environment}': the repository is read by that environment's agent."];
            }
        }

        return errors.Count == 0 ? WolverineContinue.NoProblems : Problems.Invalid(errors);
    }

    [WolverinePost("/api/v1/repository/imports")]
    [Authorize(Policy = Policies.Operate)]
    [ProducesResponseType<RepositoryImportRun>(StatusCodes.Status202Accepted)]
    public static (IResult, IMartenOp, OutgoingMessages) Post(RequestRepositoryImport request, ClaimsPrincipal user, DateTimeOffset now)
    {
        var run = new RepositoryImportRun
        {
            Id = Guid.CreateVersion7(now),
            Environment = request.Environment,
            Repository = request.Repository,
            RequestedBy = user.Identity?.Name ?? "unknown",
            RequestedAt = now,
            Status = ImportStatus.Pending,
        };
        var outgoing = new OutgoingMessages();
        outgoing.ToDestination(new ImportRepository(run.Id, run.Environment, run.Repository, now), Queues.UriFor(run.Environment));
        return (Results.Accepted($"/api/v1/repository/imports/{run.Id}", run), MartenOps.Store(run), outgoing);
    }
}
