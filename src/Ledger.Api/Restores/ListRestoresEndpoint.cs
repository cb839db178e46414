using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Contracts.Common;
using Ledger.Contracts.Restores;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace Ledger.Api.Restores;

/// <summary><c>GET /api/v1/restores?environment&amp;targetDatabase&amp;backupId&amp;status&amp;page&amp;pageSize&amp;total</c>: restores and plans, newest first.</summary>
public static class ListRestoresEndpoint
{
    public const int MaxPageSize = 500;

    public static ProblemDetails Validate(string? status, int? page, int? pageSize)
    {
        var errors = new Dictionary<string, string[]>();
        if (status is not null && !WireEnum.Names<RestoreStatus>().Contains(status))
        {
            errors["status"] = [$"Must be one of {string.Join(", ", WireEnum.Names<RestoreStatus>())}."];
        }

        if (page is < 1)
        {
            errors["page"] = ["Must be 1 or more."];
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors["pageSize"] = [$"Must be between 1 and {MaxPageSize}."];
        }

        return errors.Count == 0 ? WolverineContinue.NoProblems : Problems.Invalid(errors);
    }

    [WolverineGet("/api/v1/restores")]
    [Authorize(Policy = Policies.Read)]
    public static async Task<Page<RestoreView>> Get(string? environment, string? targetDatabase, Guid? backupId, string? status,
        int? page, int? pageSize, bool? total, IQuerySession session, CancellationToken ct)
    {
        var query = session.Query<RestoreView>().AsQueryable();
        if (environment is not null) query = query.Where(x => x.Environment == environment);
        if (targetDatabase is not null) query = query.Where(x => x.TargetDatabase == targetDatabase);
        if (backupId is { } id) query = query.Where(x => x.BackupId == id);
        if (WireEnum.TryParse<RestoreStatus>(status, out var wanted)) query = query.Where(x => x.Status == wanted);

        return await query.ToPageAsync(q => q.OrderByDescending(x => x.RequestedAt).ThenByDescending(x => x.Id), page, pageSize, total, ct);
    }
}
