using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DecisionGraph.Double;

/// <summary>
/// A test double of DecisionGraph's BEAM HTTP service, written from its public source (aliuyar1234/DecisionGraph):
/// the routes of beam/apps/dg_web/lib/decision_graph_web/router.ex that a backup tool touches, answering from the
/// real tables of the database it serves, with the envelopes, status codes, messages and field names of the source.
/// It serves plain HTTP on a free 127.0.0.1 port (Kestrel). Faults (<see cref="Faults"/>) make it behave like a
/// DecisionGraph in trouble. <see cref="Requests"/> lists what it answered, in order.
/// <list type="bullet">
/// <item>GET /api/healthz — anonymous, no envelope, always 200 (health_controller.ex, dg_api/.../api/health.ex).</item>
/// <item>GET / — the operator console (live "/", DashboardLive; no auth). Reading it writes (the console loads the
/// workflow inbox, workflows.ex refresh_runtime!/1).</item>
/// <item>GET /api/v1/projections/health — :api_reader (projection_controller.ex, projector/admin.ex projection_health/1).</item>
/// <item>GET /api/v1/traces/:trace_id — :api_reader (trace_controller.ex, dg_api/.../api/traces.ex get_trace/2,
/// projector/query.ex get_trace_summary/2: 409 projection_out_of_date while trace_summary is behind, 404 unknown).</item>
/// <item>POST /api/v1/admin/replays, GET /api/v1/admin/replays/:job_id, POST /api/v1/admin/replays/:job_id/cancel —
/// :api_admin (replay_controller.ex: 202 / 200 with <c>{"run": ...}</c>; dg_api/.../api/admin.ex).</item>
/// <item>GET /api/v1/admin/workflows/:workflow_id/export — :api_admin (workflow_controller.ex export/2, workflows.ex export_workflow/2).</item>
/// </list>
/// </summary>
public sealed class DecisionGraphDouble : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ApiAuth _auth;
    private readonly Store _store;
    private readonly ReplayJobs _jobs;
    private readonly ConcurrentQueue<ServedRequest> _requests = new();
    private long _sequence;
    private volatile string _connectionString;

    private DecisionGraphDouble(WebApplication app, DoubleOptions options, string connectionString)
    {
        _app = app;
        Options = options;
        _connectionString = connectionString;
        _store = new Store(() => _connectionString, Faults);
        _auth = new ApiAuth(options, Faults);
        _jobs = new ReplayJobs(_store, options, Faults);
    }

    public DoubleOptions Options { get; }

    public DoubleFaults Faults { get; } = new();

    /// <summary>The base address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Every request answered, oldest first.</summary>
    public IReadOnlyList<ServedRequest> Requests => [.. _requests];

    /// <summary>Replay jobs still running.</summary>
    public int ActiveJobs => _jobs.Active;

    /// <summary>The database DecisionGraph runs on (its DATABASE_URL); may be changed between tests.</summary>
    public string ConnectionString
    {
        get => _connectionString;
        set => _connectionString = value;
    }

    /// <summary>Starts serving <paramref name="connectionString"/> (the database need not exist yet) on a free loopback port.</summary>
    public static async Task<DecisionGraphDouble> StartAsync(string connectionString, DoubleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var dg = new DecisionGraphDouble(app, options, connectionString);
        dg.Map(app);
        await app.StartAsync();
        dg.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        return dg;
    }

    /// <summary>Clears faults and the request log (jobs that still run finish on their own).</summary>
    public void Reset()
    {
        Faults.Clear();
        _requests.Clear();
    }

    /// <summary>Waits until no replay job is running.</summary>
    public async Task WaitForJobsAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_jobs.Active > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{_jobs.Active} replay job(s) still running after {timeout}.");
            }

            await Task.Delay(25);
        }
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/api/healthz", (Delegate)(Func<HttpContext, Task<IResult>>)(http => Serve(http, HealthzAsync)));
        app.MapGet("/", (Delegate)(Func<HttpContext, Task<IResult>>)(http => Serve(http, ConsoleAsync)));
        app.MapGet("/api/v1/projections/health", (Delegate)(Func<HttpContext, Task<IResult>>)(http => Serve(http, ProjectionHealthAsync)));
        app.MapGet("/api/v1/traces/{trace_id}", (Delegate)(Func<HttpContext, Task<IResult>>)(http => Serve(http, TraceAsync)));
        app.MapPost("/api/v1/admin/replays", (Delegate)(Func<HttpContext, Task<IResult>>)(http => Serve(http, StartReplayAsync)));
        app.MapGet("/api/v1/admin/replays/{job_id}", (Delegate)(Func<HttpContext, Task<IResult>>)(http => Serve(http, ReplayStatusAsync)));
        app.MapPost("/api/v1/admin/replays/{job_id}/cancel", (Delegate)(Func<HttpContext, Task<IResult>>)(http => Serve(http, CancelReplayAsync)));
        app.MapGet("/api/v1/admin/workflows/{workflow_id}/export", (Delegate)(Func<HttpContext, Task<IResult>>)(http => Serve(http, ExportAsync)));
        // Phoenix answers an unknown route with 404 and the JSON error view (config.exs render_errors, error_json.ex).
        app.MapFallback((Delegate)(Func<HttpContext, Task<IResult>>)(http => Serve(http,
            _ => Task.FromResult(Contract.Error(http, DgError.NotFound("Not Found"))))));
    }

    private async Task<IResult> Serve(HttpContext http, Func<HttpContext, Task<IResult>> route)
    {
        Contract.RequestId(http);
        IResult result;
        try
        {
            result = await route(http);
        }
        catch (DgErrorException e)
        {
            result = Contract.Error(http, e.Error);
        }

        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : 200;
        _requests.Enqueue(new ServedRequest(Interlocked.Increment(ref _sequence), DateTimeOffset.UtcNow, http.Request.Method,
            http.Request.Path.Value ?? "", http.Request.Headers["x-tenant-id"].FirstOrDefault(), status));
        return result;
    }

    /// <summary>
    /// health_controller.ex renders DecisionGraph.Api.bootstrap_snapshot() with 200 and no envelope; health.ex
    /// snapshot/0: auth {bootstrap_source, configured_accounts, operator_console_account_id}, deployment_env,
    /// observability {logger_metadata_keys, otel_service_name}, projection_health (projector projection_health/0 for
    /// tenant "default", or <c>{"status": "unavailable", "reason": message}</c> when it raises), projector, store
    /// (store.ex deployment_snapshot/0: database, hostname, maintenance_database, pool_size, projection_names,
    /// repo_started?, telemetry_prefix).
    /// </summary>
    private async Task<IResult> HealthzAsync(HttpContext http)
    {
        object projectionHealth;
        try
        {
            await using var connection = await _store.OpenAsync(http.RequestAborted);
            projectionHealth = await Store.ProjectionHealthAsync(connection, "default", http.RequestAborted);
        }
        catch (DgErrorException e)
        {
            projectionHealth = new Dictionary<string, object?> { ["status"] = "unavailable", ["reason"] = e.Error.Message };
        }

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(_connectionString);
        var body = new Dictionary<string, object?>
        {
            ["auth"] = new Dictionary<string, object?>
            {
                ["bootstrap_source"] = "application_env",
                ["configured_accounts"] = Options.ServiceAccounts.Count,
                ["operator_console_account_id"] = null,
            },
            ["deployment_env"] = Options.DeploymentEnv,
            ["observability"] = new Dictionary<string, object?>
            {
                ["logger_metadata_keys"] = new[] { "request_id", "trace_id", "tenant_id", "projection", "worker" },
                ["otel_service_name"] = "decisiongraph-beam",
            },
            ["projection_health"] = projectionHealth,
            ["projector"] = new Dictionary<string, object?> { ["partition_count"] = 8, ["projections"] = Store.ProjectionNames },
            ["store"] = new Dictionary<string, object?>
            {
                ["database"] = builder.Database,
                ["hostname"] = builder.Host,
                ["maintenance_database"] = "postgres",
                ["pool_size"] = 10,
                ["projection_names"] = Store.ProjectionNames,
                ["repo_started?"] = !Faults.DatabaseDown,
                ["telemetry_prefix"] = new[] { "decision_graph", "repo" },
            },
        };
        return Results.Json(body, Contract.Json, statusCode: 200);
    }

    /// <summary>
    /// The operator console (dashboard_live.ex): title "DecisionGraph Operator Console", heading "Operator Console",
    /// the panels "Projection Health Dashboard" and "Recent Traces", and "Repo State" online|offline. Loading it reads
    /// the workflow inbox, which writes (workflows.ex refresh_runtime!/1).
    /// </summary>
    private async Task<IResult> ConsoleAsync(HttpContext http)
    {
        if (Faults.ConsoleStatus is > 0 and not 200)
        {
            return Results.Content("<!DOCTYPE html><html><body><h1>Internal Server Error</h1></body></html>", "text/html", statusCode: Faults.ConsoleStatus);
        }

        var tenant = http.Request.Query["tenant"].FirstOrDefault() ?? "default";
        var online = !Faults.DatabaseDown;
        var traces = new List<string>();
        if (online)
        {
            try
            {
                await using var connection = await _store.OpenAsync(http.RequestAborted);
                await Workflows.RefreshRuntimeAsync(connection, tenant, http.RequestAborted);
                foreach (var row in await Store.QueryAsync(connection,
                             "SELECT trace_id FROM dg_trace_summary WHERE tenant_id = $1 ORDER BY last_log_seq DESC, trace_id ASC LIMIT 8", http.RequestAborted, tenant))
                {
                    traces.Add(WebUtility.HtmlEncode((string)row["trace_id"]!));
                }
            }
            catch (DgErrorException)
            {
                online = false;
            }
        }

        var html = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>DecisionGraph Operator Console</title></head>
            <body><h1>Operator Console</h1>
            <section><h2>Projection Health Dashboard</h2></section>
            <section><h2>Recent Traces</h2><ul>{string.Concat(traces.Select(t => $"<li>{t}</li>"))}</ul></section>
            <section><h2>Environment Status</h2><span class="metric-label">Repo State</span><strong>{(online ? "online" : "offline")}</strong></section>
            </body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: 200);
    }

    private async Task<IResult> ProjectionHealthAsync(HttpContext http)
    {
        var (_, tenant) = _auth.Authenticate(http, ApiScope.Read);
        await using var connection = await _store.OpenAsync(http.RequestAborted);
        return Contract.Data(http, 200, await Store.ProjectionHealthAsync(connection, tenant, http.RequestAborted));
    }

    /// <summary>
    /// traces.ex get_trace/2: <c>{"events": [...ordered by trace_seq], "summary": {...}}</c>. The summary comes from
    /// query.ex get_trace_summary/2, which first refuses while the trace_summary cursor is behind the tenant's log
    /// (409 projection_out_of_date "Projections at log_seq=C, events at H") and then 404 not_found "Trace not found: id".
    /// Events carry the columns that traces.ex recent_event_row/1 shows (the double's rendering of StoredEvent).
    /// </summary>
    private async Task<IResult> TraceAsync(HttpContext http)
    {
        var (_, tenant) = _auth.Authenticate(http, ApiScope.Read);
        var traceId = (string)http.Request.RouteValues["trace_id"]!;
        await using var connection = await _store.OpenAsync(http.RequestAborted);
        var events = (await Store.QueryAsync(connection,
                "SELECT * FROM dg_event_log WHERE trace_id = $1 AND tenant_id = $2 ORDER BY trace_seq ASC", http.RequestAborted, traceId, tenant))
            .Select(r => new Dictionary<string, object?>
            {
                ["actor"] = new Dictionary<string, object?> { ["actor_id"] = r["actor_id"], ["actor_type"] = r["actor_type"] },
                ["event_id"] = r["event_id"],
                ["event_type"] = r["event_type"],
                ["log_seq"] = r["log_seq"],
                ["occurred_at"] = r["occurred_at"],
                ["payload"] = Workflows.Decode(r["payload_json"]),
                ["payload_hash"] = r["payload_hash"],
                ["recorded_at"] = r["recorded_at"],
                ["source"] = new Dictionary<string, object?> { ["producer_id"] = r["producer_id"], ["subsystem"] = r["source_subsystem"], ["system"] = r["source_system"] },
                ["tenant_id"] = r["tenant_id"],
                ["trace_id"] = r["trace_id"],
                ["trace_seq"] = r["trace_seq"],
            }).ToList();
        var cursor = await Store.CursorAsync(connection, tenant, "trace_summary", http.RequestAborted);
        var head = await Store.LastLogSeqAsync(connection, tenant, http.RequestAborted);
        if (cursor < head)
        {
            throw new DgErrorException(DgError.ProjectionOutOfDate($"Projections at log_seq={cursor}, events at {head}"));
        }

        var summary = (await Store.QueryAsync(connection, """
                SELECT trace_id, workflow, title, primary_entity_type, primary_entity_system, primary_entity_id,
                       started_at, finished_at, outcome, event_count, last_log_seq
                FROM dg_trace_summary WHERE tenant_id = $1 AND trace_id = $2 LIMIT 1
                """, http.RequestAborted, tenant, traceId)).FirstOrDefault()
            ?? throw new DgErrorException(DgError.NotFound($"Trace not found: {traceId}"));
        return Contract.Data(http, 200, new Dictionary<string, object?> { ["events"] = events, ["summary"] = summary });
    }

    /// <summary>
    /// admin.ex start_replay/2, in its order: mode (default "catch_up"; else 400 "mode must be catch_up or rebuild"),
    /// projection (400 "projection is required"; unknown names 400 "Unknown projection 'x'", support.ex), reason
    /// (required while admin_controls.require_reason is on, the default: 400 "reason is required for replay and
    /// rebuild admin actions"; a metadata.reason counts), the permission for the mode (projection_replay or
    /// projection_rebuild: 403 "Service account lacks P permission"), rebuilds only when allow_rebuild (403
    /// "Projection rebuilds are disabled in this deployment"), then the coordinator (409 conflict for a busy scope).
    /// replay_controller.ex create/2 answers 202 <c>{"data": {"run": run}}</c>, the run 'queued'.
    /// </summary>
    private async Task<IResult> StartReplayAsync(HttpContext http)
    {
        var (account, tenant) = _auth.Authenticate(http, ApiScope.Admin);
        Dictionary<string, JsonElement> body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<Dictionary<string, JsonElement>>(http.Request.Body, cancellationToken: http.RequestAborted) ?? [];
        }
        catch (JsonException)
        {
            // Plug.Parsers rejects a body that is not JSON before the controller runs.
            throw new DgErrorException(DgError.InvalidArgument("request body is not valid JSON"));
        }

        var mode = body.TryGetValue("mode", out var m) ? m.ValueKind == JsonValueKind.String ? m.GetString() : m.ToString() : "catch_up";
        if (mode is not ("catch_up" or "rebuild"))
        {
            throw new DgErrorException(DgError.InvalidArgument("mode must be catch_up or rebuild"));
        }

        if (!body.TryGetValue("projection", out var p) || p.ValueKind == JsonValueKind.Null)
        {
            throw new DgErrorException(DgError.InvalidArgument("projection is required"));
        }

        var projection = p.ValueKind == JsonValueKind.String ? p.GetString()!.Trim() : p.ToString();
        var metadata = body.TryGetValue("metadata", out var md) ? md : default;
        if (metadata.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object))
        {
            throw new DgErrorException(DgError.InvalidArgument("metadata must be an object"));
        }

        var reason = body.TryGetValue("reason", out var r) && r.ValueKind != JsonValueKind.Null ? r.ToString()
            : metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("reason", out var mr) ? mr.ToString() : null;
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new DgErrorException(DgError.InvalidArgument("reason is required for replay and rebuild admin actions"));
        }

        var permission = mode == "catch_up" ? "projection_replay" : "projection_rebuild";
        if (!account.Allows(permission))
        {
            throw new DgErrorException(DgError.Forbidden($"Service account lacks {permission} permission"));
        }

        if (mode == "rebuild" && !Options.AllowRebuild)
        {
            throw new DgErrorException(DgError.Forbidden("Projection rebuilds are disabled in this deployment"));
        }

        if (projection != "all" && !Store.ProjectionNames.Contains(projection))
        {
            throw new DgErrorException(DgError.InvalidArgument($"Unknown projection '{projection}'"));
        }

        var since = OptionalNonNegative(body, "since_log_seq");
        var until = OptionalNonNegative(body, "until_log_seq");
        var meta = new Dictionary<string, object?>();
        if (metadata.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in metadata.EnumerateObject())
            {
                meta[property.Name] = property.Value.Clone();
            }
        }

        meta.TryAdd("reason", reason.Trim());
        meta.TryAdd("request_id", Contract.RequestId(http));
        meta.TryAdd("requested_by_account_id", account.AccountId);
        meta.TryAdd("requested_by_roles", account.Roles);
        var run = await _jobs.StartAsync(tenant, projection, mode, since, until, meta, http.RequestAborted);
        return Contract.Data(http, 202, new Dictionary<string, object?> { ["run"] = run });
    }

    private static long? OptionalNonNegative(Dictionary<string, JsonElement> body, string key)
    {
        if (!body.TryGetValue(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 0
            ? n
            : throw new DgErrorException(DgError.InvalidArgument($"log sequence values must be non-negative, got {value}"));
    }

    /// <summary>
    /// admin.ex replay_status/2: the run of this tenant (another tenant's job is 404 "Replay job not found: id",
    /// BEAM_HTTP_API_CONTRACT.md "Replay status and cancel are tenant-scoped"), then the mode's permission; 200 <c>{"run": run}</c>.
    /// </summary>
    private async Task<IResult> ReplayStatusAsync(HttpContext http)
    {
        var (account, tenant) = _auth.Authenticate(http, ApiScope.Admin);
        var run = await ScopedRunAsync(http, tenant);
        var permission = (string)run["mode"]! == "rebuild" ? "projection_rebuild" : "projection_replay";
        if (!account.Allows(permission))
        {
            throw new DgErrorException(DgError.Forbidden($"Service account lacks {permission} permission"));
        }

        return Contract.Data(http, 200, new Dictionary<string, object?> { ["run"] = run });
    }

    /// <summary>admin.ex cancel_replay/2: tenant-scoped like status; a job no longer running is 404 (coordinator.ex cancel).</summary>
    private async Task<IResult> CancelReplayAsync(HttpContext http)
    {
        var (account, tenant) = _auth.Authenticate(http, ApiScope.Admin);
        var run = await ScopedRunAsync(http, tenant);
        var permission = (string)run["mode"]! == "rebuild" ? "projection_rebuild" : "projection_replay";
        if (!account.Allows(permission))
        {
            throw new DgErrorException(DgError.Forbidden($"Service account lacks {permission} permission"));
        }

        await _jobs.CancelAsync((string)run["job_id"]!, http.RequestAborted);
        return Contract.Data(http, 200, new Dictionary<string, object?> { ["run"] = await ScopedRunAsync(http, tenant) });
    }

    private async Task<Dictionary<string, object?>> ScopedRunAsync(HttpContext http, string tenant)
    {
        var jobId = (string)http.Request.RouteValues["job_id"]!;
        await using var connection = await _store.OpenAsync(http.RequestAborted);
        var run = await ReplayJobs.GetRunAsync(connection, jobId, http.RequestAborted);
        return run is not null && (string)run["tenant_id"]! == tenant
            ? run
            : throw new DgErrorException(DgError.NotFound($"Replay job not found: {jobId}"));
    }

    private async Task<IResult> ExportAsync(HttpContext http)
    {
        var (account, tenant) = _auth.Authenticate(http, ApiScope.Admin);
        if (!account.Allows("workflow_export"))
        {
            throw new DgErrorException(DgError.Forbidden("Service account lacks workflow_export permission"));
        }

        var workflowId = (string)http.Request.RouteValues["workflow_id"]!;
        await using var connection = await _store.OpenAsync(http.RequestAborted);
        return Contract.Data(http, 200, await Workflows.ExportAsync(connection, tenant, workflowId, http.RequestAborted));
    }

    public async ValueTask DisposeAsync()
    {
        await WaitForJobsAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
