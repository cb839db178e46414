using Ledger.Api.Auth;

namespace Ledger.Api.Metrics;

/// <summary>
/// <c>GET /metrics</c>: the Prometheus text exposition. Needs a bearer token with the reader role (or any role that reads)
/// unless <c>Metrics:AllowAnonymous</c> is true; give Prometheus its own token (<c>authorization: credentials</c> in the
/// scrape config).
/// </summary>
public static class MetricsEndpoint
{
    public static void MapMetrics(this IEndpointRouteBuilder endpoints, MetricsOptions options)
    {
        var route = endpoints.MapGet("/metrics", async (LedgerMetrics metrics, LedgerOptions ledger, TimeProvider clock, HttpContext http,
            CancellationToken ct) =>
        {
            var snapshot = await metrics.ReadAsync(ct);
            var text = PrometheusText.Write(MetricsExposition.Families(snapshot, clock.GetUtcNow(), ledger.AgentTimeout));
            http.Response.Headers.CacheControl = "no-store";
            return Results.Text(text, PrometheusText.ContentType);
        }).ExcludeFromDescription();

        if (options.AllowAnonymous)
        {
            route.AllowAnonymous();
        }
        else
        {
            route.RequireAuthorization(Policies.Read);
        }
    }
}

/// <summary>Section <c>Metrics</c>.</summary>
public sealed record MetricsOptions(bool AllowAnonymous)
{
    public static MetricsOptions From(IConfiguration configuration) =>
        new(configuration.GetSection("Metrics").GetValue("AllowAnonymous", false));
}
