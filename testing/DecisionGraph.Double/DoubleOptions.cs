namespace DecisionGraph.Double;

/// <summary>
/// A DecisionGraph service account (beam/apps/dg_api/lib/decision_graph/api/service_account.ex): account_id, roles
/// (reader, writer, admin), permissions (projection_replay, projection_rebuild, workflow_export, ... or "*"),
/// tenant_ids ("*" for all) and its tokens. The format of docs/operations/SELF_HOSTED_INSTALL.md, "Service-Account
/// Bootstrap".
/// </summary>
public sealed record ServiceAccount(
    string AccountId,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Permissions,
    IReadOnlyList<string> TenantIds,
    IReadOnlyList<string> Tokens)
{
    /// <summary>service_account.ex allows?/2: "*" in permissions or the permission itself.</summary>
    public bool Allows(string permission) => Permissions.Contains("*") || Permissions.Contains(permission);

    public bool MatchesToken(string candidate) => Tokens.Contains(candidate, StringComparer.Ordinal);

    public bool MayAccess(string tenant) => TenantIds.Contains("*") || TenantIds.Contains(tenant, StringComparer.Ordinal);
}

/// <summary>How the double is configured: what a real deployment's config would say.</summary>
public sealed record DoubleOptions
{
    /// <summary>The accounts the double knows. Tests add their own tokens; none is a default credential.</summary>
    public required IReadOnlyList<ServiceAccount> ServiceAccounts { get; init; }

    /// <summary>
    /// <c>config :dg_api, :admin_controls, allow_rebuild:</c> — off unless configured
    /// (beam/apps/dg_api/lib/decision_graph/api/admin.ex ensure_mode_enabled/1: <c>Map.get(..., :allow_rebuild, false)</c>).
    /// </summary>
    public bool AllowRebuild { get; init; }

    /// <summary><c>config :dg_api, deployment_env</c> (beam/config/config.exs), reported by /api/healthz.</summary>
    public string DeploymentEnv { get; init; } = "prod";

    /// <summary>
    /// Per-minute limits per scope (beam/apps/dg_api/lib/decision_graph/api/rate_limiter.ex @defaults:
    /// admin 60, read 600, write 300; overridable by <c>config :dg_api, :rate_limits</c>).
    /// </summary>
    public int ReadLimitPerMinute { get; init; } = 600;

    public int WriteLimitPerMinute { get; init; } = 300;

    public int AdminLimitPerMinute { get; init; } = 60;

    /// <summary>How long a replay job runs before it ends (the real job's duration depends on the events to project).</summary>
    public TimeSpan JobDuration { get; init; } = TimeSpan.FromMilliseconds(150);
}

/// <summary>
/// Faults a test switches on to make the double behave like a DecisionGraph in trouble. Each one stands for a state
/// that the DecisionGraph source shows can happen; the XML comments say where.
/// </summary>
public sealed class DoubleFaults
{
    private int _rateLimitNext;

    /// <summary>
    /// DecisionGraph's database is unreachable. GET /api/healthz still answers 200 (health_controller.ex renders the
    /// snapshot without a status code of its own), with <c>store["repo_started?"] = false</c>
    /// (dg_store/lib/decision_graph/store.ex deployment_snapshot/0) and <c>projection_health = {"status": "unavailable",
    /// "reason": ...}</c> (dg_api/lib/decision_graph/api/health.ex projection_health_snapshot/0 rescue). Versioned
    /// routes answer 503 storage ("Failed to start repo: ...", store.ex ensure_repo_started!/0).
    /// </summary>
    public volatile bool DatabaseDown;

    /// <summary>GET / (the operator console, a LiveView) answers with this status instead of 200, when set.</summary>
    public volatile int ConsoleStatus;

    /// <summary>
    /// Every replay job ends <c>failed</c> with error_code "storage" and a "Projection runtime error: ..." message
    /// (projector/support.ex wrap_error/1; replay/coordinator.ex handle_info {:job_finished, {:error, ...}}).
    /// </summary>
    public volatile bool FailReplays;

    /// <summary>The next <paramref name="count"/> versioned requests answer 429 rate_limited, then the limits apply as usual.</summary>
    public void RateLimitNext(int count) => Interlocked.Exchange(ref _rateLimitNext, count);

    internal bool TakeForcedRateLimit()
    {
        while (true)
        {
            var current = Volatile.Read(ref _rateLimitNext);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _rateLimitNext, current - 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Back to a healthy DecisionGraph.</summary>
    public void Clear()
    {
        DatabaseDown = false;
        ConsoleStatus = 0;
        FailReplays = false;
        Interlocked.Exchange(ref _rateLimitNext, 0);
    }
}

/// <summary>One request the double answered, in the order it arrived.</summary>
public sealed record ServedRequest(long Sequence, DateTimeOffset At, string Method, string Path, string? Tenant, int Status);
