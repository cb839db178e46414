using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Contracts.Common;
using Ledger.Contracts.Notifications;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace Ledger.Api.Notifications;

/// <summary>
/// <c>GET /api/v1/notifications/deliveries?status&amp;webhook&amp;environment&amp;page&amp;pageSize</c>: webhook deliveries, newest
/// first (<c>status=failed</c>: the ones that gave up). Names webhooks, never their URLs or secrets.
/// </summary>
public static class ListDeliveriesEndpoint
{
    public static ProblemDetails Validate(string? status) =>
        status is not null && !WireEnum.TryParse<DeliveryStatus>(status, out _)
            ? Problems.Invalid(new Dictionary<string, string[]> { ["status"] = [$"Must be one of {string.Join(", ", WireEnum.Names<DeliveryStatus>())}."] })
            : WolverineContinue.NoProblems;

    [WolverineGet("/api/v1/notifications/deliveries")]
    [Authorize(Policy = Policies.Read)]
    public static Task<Page<WebhookDelivery>> Get(string? status, string? webhook, string? environment, int? page, int? pageSize,
        IQuerySession session, CancellationToken ct)
    {
        var query = session.Query<WebhookDelivery>().AsQueryable();
        if (WireEnum.TryParse<DeliveryStatus>(status, out var wanted)) query = query.Where(d => d.Status == wanted);
        if (webhook is not null) query = query.Where(d => d.Webhook == webhook);
        if (environment is not null) query = query.Where(d => d.Environment == environment);
        return query.ToPageAsync(q => q.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id),
            Math.Max(1, page ?? 1), Math.Clamp(pageSize ?? Paging.DefaultPageSize, 1, 500), false, ct);
    }
}
