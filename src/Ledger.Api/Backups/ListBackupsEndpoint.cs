using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace Ledger.Api.Backups;

/// <summary>
/// <c>GET /api/v1/backups</c>: the restore points, newest first, filtered by environment, database, trigger, status
/// and a time window on the snapshot time, one page at a time; <c>missed=true</c> keeps the scheduled backups that were
/// not taken by their deadline. No exact total unless <c>total=true</c> (see <see cref="Paging"/>).
/// </summary>
public static class ListBackupsEndpoint
{
    public const int MaxPageSize = 500;

    public static ProblemDetails Validate(string? trigger, string? status, DateTimeOffset? since, DateTimeOffset? until,
        int? page, int? pageSize)
    {
        var errors = new Dictionary<string, string[]>();
        if (trigger is not null && !BackupTriggers.IsValid(trigger))
        {
            errors["trigger"] = [$"Must be one of {string.Join(", ", BackupTriggers.All)}."];
        }

        if (status is not null && !WireEnum.Names<BackupStatus>().Contains(status))
        {
            errors["status"] = [$"Must be one of {string.Join(", ", WireEnum.Names<BackupStatus>())}."];
        }

        if (since > until)
        {
            errors["since"] = ["Must not be after until."];
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

    [WolverineGet("/api/v1/backups")]
    [Authorize(Policy = Policies.Read)]
    public static async Task<Page<RestorePoint>> Get(string? environment, string? database, string? trigger,
        string? status, DateTimeOffset? since, DateTimeOffset? until, int? page, int? pageSize, bool? missed, bool? total,
        IQuerySession session, CancellationToken ct)
    {
        var query = Filter(session, environment, database, trigger, WireEnum.TryParse<BackupStatus>(status, out var s) ? s : null, since, until, missed);
        // (timestamp, id) and (environment, database, timestamp, id) are indexed (Configuration.cs): a page is an index scan.
        return await query.ToPageAsync(Newest, page, pageSize, total, ct);
    }

    /// <summary>The page order: newest snapshot first, the id breaking ties so pages neither overlap nor skip.</summary>
    public static IOrderedQueryable<RestorePoint> Newest(IQueryable<RestorePoint> query) =>
        query.OrderByDescending(x => x.Timestamp).ThenByDescending(x => x.Id);

    public static IQueryable<RestorePoint> Filter(IQuerySession session, string? environment, string? database, string? trigger,
        BackupStatus? status, DateTimeOffset? since, DateTimeOffset? until, bool? missed)
    {
        var query = session.Query<RestorePoint>().AsQueryable();
        if (environment is not null) query = query.Where(x => x.Environment == environment);
        if (database is not null) query = query.Where(x => x.Database == database);
        if (trigger is not null) query = query.Where(x => x.Trigger == trigger);
        // Expired backups leave the restore points (their history stays): ask for status=expired to see them.
        query = status is { } wanted ? query.Where(x => x.Status == wanted) : query.Where(x => x.Status != BackupStatus.Expired);
        if (missed is true) query = query.Where(x => x.Missed);
        if (since is { } from) query = query.Where(x => x.Timestamp >= from);
        if (until is { } to) query = query.Where(x => x.Timestamp <= to);
        return query;
    }
}
