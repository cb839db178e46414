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
            var started = clock.GetTimestamp();
            var snapshot = await metrics.ReadAsync(ct);
            var read = clock.GetElapsedTime(started);
            var text = PrometheusText.Write(MetricsExposition.Families(snapshot, clock.GetUtcNow(), ledger.AgentTimeout));
            var render = clock.GetElapsedTime(started) - read;
            http.Response.Headers.CacheControl = "no-store";
            // Where a scrape's time goes: the queries, and building the text.
            http.Response.Headers["Server-Timing"] = FormattableString.Invariant($"db;dur={read.TotalMilliseconds:0.0}, render;dur={render.TotalMilliseconds:0.0}");
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
