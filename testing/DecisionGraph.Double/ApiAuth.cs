using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace DecisionGraph.Double;

/// <summary>The route scopes of beam/apps/dg_web/lib/decision_graph_web/router.ex and the roles each admits.</summary>
public enum ApiScope
{
    /// <summary>pipeline :api_reader — roles reader, writer, admin; rate-limit scope :read.</summary>
    Read,

    /// <summary>pipeline :api_writer — roles writer, admin; rate-limit scope :write.</summary>
    Write,

    /// <summary>pipeline :api_admin — role admin; rate-limit scope :admin.</summary>
    Admin,
}

/// <summary>
/// The plugs in front of every versioned route: DecisionGraphWeb.Plugs.ApiAuth (plugs/api_auth.ex calling
/// dg_api/lib/decision_graph/api/auth.ex authenticate/3) then DecisionGraphWeb.Plugs.RateLimit (plugs/rate_limit.ex
/// calling dg_api/lib/decision_graph/api/rate_limiter.ex check/2).
/// </summary>
internal sealed class ApiAuth(DoubleOptions options, DoubleFaults faults)
{
    private readonly ConcurrentDictionary<(ApiScope, string, long), int> _windows = new();

    /// <summary>
    /// auth.ex authenticate/3, in its order: the tenant header first (400 "x-tenant-id header is required", also when
    /// blank), then the bearer token (401 "Authentication required" without a header; 401 "Authorization header must use
    /// Bearer token format" unless it is exactly "Bearer &lt;token&gt;"; 401 "Unknown service account token"), then the
    /// tenant (403 "Service account cannot access tenant X"), then the role (403 "Service account lacks required role").
    /// Then rate_limiter.ex: fixed one-minute windows keyed by scope, account id and tenant; over the limit, 429
    /// "Rate limit exceeded for &lt;scope&gt; API scope".
    /// </summary>
    public (ServiceAccount Account, string Tenant) Authenticate(HttpContext http, ApiScope scope)
    {
        var tenantHeader = http.Request.Headers["x-tenant-id"].FirstOrDefault();
        var tenant = tenantHeader?.Trim();
        if (string.IsNullOrEmpty(tenant))
        {
            throw new DgErrorException(DgError.InvalidArgument("x-tenant-id header is required"));
        }

        var authorization = http.Request.Headers.Authorization.FirstOrDefault();
        if (authorization is null)
        {
            throw new DgErrorException(DgError.Unauthorized());
        }

        var parts = authorization.Split(' ', 2);
        var token = parts.Length == 2 && parts[0] == "Bearer" ? parts[1].Trim() : "";
        if (token.Length == 0)
        {
            throw new DgErrorException(DgError.Unauthorized("Authorization header must use Bearer token format"));
        }

        var account = options.ServiceAccounts.FirstOrDefault(a => a.MatchesToken(token))
            ?? throw new DgErrorException(DgError.Unauthorized("Unknown service account token"));
        if (!account.MayAccess(tenant))
        {
            throw new DgErrorException(DgError.Forbidden($"Service account cannot access tenant {tenant}"));
        }

        string[] allowed = scope switch
        {
            ApiScope.Read => ["reader", "writer", "admin"],
            ApiScope.Write => ["writer", "admin"],
            _ => ["admin"],
        };
        if (!account.Roles.Any(allowed.Contains))
        {
            throw new DgErrorException(DgError.Forbidden("Service account lacks required role"));
        }

        var bucket = scope.ToString().ToLowerInvariant();
        if (faults.TakeForcedRateLimit())
        {
            throw new DgErrorException(DgError.RateLimited($"Rate limit exceeded for {bucket} API scope"));
        }

        var limit = scope switch
        {
            ApiScope.Read => options.ReadLimitPerMinute,
            ApiScope.Write => options.WriteLimitPerMinute,
            _ => options.AdminLimitPerMinute,
        };
        var window = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60;
        var count = _windows.AddOrUpdate((scope, $"{account.AccountId}:{tenant}", window), 1, (_, c) => c + 1);
        if (count > limit)
        {
            throw new DgErrorException(DgError.RateLimited($"Rate limit exceeded for {bucket} API scope"));
        }

        return (account, tenant);
    }
}
