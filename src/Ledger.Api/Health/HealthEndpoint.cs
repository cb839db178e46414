using Marten;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Api.Health;

public static class HealthEndpoint
{
    /// <summary><c>GET /healthz</c>: anonymous; 200 when the ledger can reach its database, 503 otherwise.</summary>
    public static void MapHealth(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/healthz", [AllowAnonymous] async (IQuerySession session, CancellationToken ct) =>
        {
            try
            {
                await session.QueryAsync<int>("select 1", ct);
                return Results.Ok(new { status = "ok" });
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                return Results.Problem(statusCode: 503, title: "The ledger cannot reach its database.");
            }
        });
}
