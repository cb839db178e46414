using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ledger.ScenarioTests.StandIn;

/// <summary>How the stand-in reports projections.</summary>
public enum StandInMode
{
    /// <summary>As the database says: cursors against the event log's head, digests, open failures.</summary>
    Truthful,

    /// <summary>Every projection stale until a rebuild is asked for; the rebuild then really catches them up.</summary>
    BehindUntilRebuilt,

    /// <summary>Open failures and no digests, whatever happens (a rebuild is accepted but changes nothing).</summary>
    Unhealthy,
}

/// <summary>A replay (rebuild) request the stand-in received.</summary>
public sealed record ReplayRequest(string Tenant, string Mode, string Projection, string Reason, string JobId);

/// <summary>
/// A small stand-in for DecisionGraph's HTTP API, serving from the restored database on loopback and speaking the same
/// contract: <c>GET /api/healthz</c>; <c>GET /api/v1/projections/health</c> and <c>POST /api/v1/admin/replays</c> with
/// <c>Authorization: Bearer</c> (401 without the right token) and <c>x-tenant-id</c> (400 without it); answers in a
/// <c>{"data": ..., "request_id": ...}</c> envelope, errors as <c>{"error": {"code", "message"}, "request_id"}</c>.
/// A rebuild sets every cursor of the tenant to the log's head, writes a digest there and resolves open failures.
/// </summary>
public sealed class DecisionGraphStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _connectionString;
    private readonly string _token;
    private readonly ConcurrentQueue<ReplayRequest> _replays = new();
    private readonly ConcurrentDictionary<string, byte> _rebuiltTenants = new();
    private int _jobs;

    private DecisionGraphStandIn(WebApplication app, string connectionString, string token) =>
        (_app, _connectionString, _token) = (app, connectionString, token);

    public Uri Url { get; private set; } = null!;

    public StandInMode Mode { get; private set; } = StandInMode.Truthful;

    public IReadOnlyCollection<ReplayRequest> Replays => _replays.ToArray();

    /// <summary>Starts serving the database at <paramref name="connectionString"/> (it may not exist yet) on a free loopback port.</summary>
    public static async Task<DecisionGraphStandIn> StartAsync(string connectionString, string token)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new DecisionGraphStandIn(app, connectionString, token);
        // Typed as route handlers (Delegate), so the IResult each returns is written to the response.
        app.MapGet("/api/healthz", (Func<HttpContext, Task<IResult>>)standIn.HealthzAsync);
        app.MapGet("/api/v1/projections/health", (Func<HttpContext, Task<IResult>>)standIn.ProjectionHealthAsync);
        app.MapPost("/api/v1/admin/replays", (Func<HttpContext, Task<IResult>>)standIn.ReplayAsync);
        app.MapFallback((HttpContext http) => Error(http, 404, "not_found", $"No route {http.Request.Method} {http.Request.Path}."));
        await app.StartAsync();
        standIn.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return standIn;
    }

    /// <summary>Sets how projections are reported, and forgets earlier rebuilds and replay requests.</summary>
    public void Reset(StandInMode mode)
    {
        Mode = mode;
        _rebuiltTenants.Clear();
        _replays.Clear();
    }

    private async Task<IResult> HealthzAsync(HttpContext http)
    {
        try
        {
            await using var connection = await OpenAsync(http.RequestAborted);
            return Data(http, new { status = "ok" });
        }
        catch (NpgsqlException e)
        {
            return Error(http, 503, "database_unavailable", e.Message);
        }
    }

    private async Task<IResult> ProjectionHealthAsync(HttpContext http)
    {
        if (Authorize(http) is { } refused)
        {
            return refused;
        }

        var tenant = http.Request.Headers["x-tenant-id"].ToString();
        try
        {
            await using var connection = await OpenAsync(http.RequestAborted);
            var head = await ScalarAsync<long?>(connection, "select max(log_seq) from dg_event_log where tenant_id = $1", tenant) ?? 0;
            var projections = new List<object>();
            await using (var command = new NpgsqlCommand("""
                select c.projection_name, c.last_log_seq, c.updated_at,
                       (select encode(d.digest, 'hex') from dg_projection_digests d
                        where d.tenant_id = c.tenant_id and d.projection_name = c.projection_name and d.at_log_seq = c.last_log_seq),
                       (select count(*) from dg_projection_failures f
                        where f.tenant_id = c.tenant_id and f.projection_name = c.projection_name and not f.resolved)
                from dg_projection_cursors c where c.tenant_id = $1 order by 1
                """, connection) { Parameters = { new() { Value = tenant } } })
            await using (var reader = await command.ExecuteReaderAsync(http.RequestAborted))
            {
                while (await reader.ReadAsync(http.RequestAborted))
                {
                    var cursor = reader.GetInt64(1);
                    var stale = Mode == StandInMode.BehindUntilRebuilt && !_rebuiltTenants.ContainsKey(tenant);
                    var unhealthy = Mode == StandInMode.Unhealthy;
                    var pending = stale ? Math.Max(1, head - cursor) : Math.Max(0, head - cursor);
                    projections.Add(new Dictionary<string, object?>
                    {
                        ["projection_name"] = reader.GetString(0),
                        ["last_log_seq"] = stale ? Math.Max(0, cursor - pending) : cursor,
                        ["pending_events"] = pending,
                        ["is_stale"] = pending > 0,
                        ["updated_at"] = reader.GetDateTime(2).ToString("O"),
                        ["digest"] = unhealthy ? null : reader.IsDBNull(3) ? null : reader.GetString(3),
                        ["open_failures"] = unhealthy ? 1 + reader.GetInt64(4) : reader.GetInt64(4),
                    });
                }
            }

            return Data(http, new Dictionary<string, object?>
            {
                ["tenant_id"] = tenant,
                ["event_log_last_seq"] = head,
                ["projections"] = projections,
                ["open_runs"] = Array.Empty<object>(),
                ["full_digest"] = null,
            });
        }
        catch (NpgsqlException e)
        {
            return Error(http, 503, "database_unavailable", e.Message);
        }
    }

    private async Task<IResult> ReplayAsync(HttpContext http)
    {
        if (Authorize(http) is { } refused)
        {
            return refused;
        }

        var tenant = http.Request.Headers["x-tenant-id"].ToString();
        string mode, projection, reason;
        try
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            mode = body.RootElement.GetProperty("mode").GetString() ?? "";
            projection = body.RootElement.GetProperty("projection").GetString() ?? "";
            reason = body.RootElement.GetProperty("reason").GetString() ?? "";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Error(http, 400, "invalid_request", "The body must be a JSON object with mode, projection and reason.");
        }

        if (mode is not ("rebuild" or "catch_up") || string.IsNullOrWhiteSpace(reason))
        {
            return Error(http, 422, "invalid_replay", "mode must be rebuild or catch_up, and a reason is required.");
        }

        var jobId = $"job-{Interlocked.Increment(ref _jobs)}";
        _replays.Enqueue(new ReplayRequest(tenant, mode, projection, reason, jobId));
        if (Mode != StandInMode.Unhealthy)
        {
            try
            {
                await using var connection = await OpenAsync(http.RequestAborted);
                await RebuildAsync(connection, tenant, http.RequestAborted);
                _rebuiltTenants[tenant] = 0;
            }
            catch (NpgsqlException e)
            {
                return Error(http, 503, "database_unavailable", e.Message);
            }
        }

        return Data(http, new { run = new { job_id = jobId, mode, projection_name = projection, reason, status = "queued", tenant_id = tenant } }, 202);
    }

    /// <summary>What a rebuild leaves behind: every cursor at the head, a digest there, no open failure.</summary>
    private static async Task RebuildAsync(NpgsqlConnection connection, string tenant, CancellationToken ct)
    {
        string[] statements =
        [
            """
            update dg_projection_cursors c set last_log_seq = h.head, events_applied = h.events, updated_at = now()
            from (select max(log_seq) as head, count(*) as events from dg_event_log where tenant_id = $1) h
            where c.tenant_id = $1 and h.head is not null
            """,
            """
            insert into dg_projection_digests (tenant_id, projection_name, at_log_seq, digest, events_covered, computed_at)
            select c.tenant_id, c.projection_name, c.last_log_seq,
                   sha256(convert_to(coalesce((select string_agg(e.payload_hash, '' order by e.log_seq) from dg_event_log e
                                               where e.tenant_id = c.tenant_id and e.log_seq <= c.last_log_seq), ''), 'UTF8')),
                   c.events_applied, now()
            from dg_projection_cursors c where c.tenant_id = $1
            on conflict do nothing
            """,
            "update dg_projection_failures set resolved = true where tenant_id = $1 and not resolved",
        ];
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = tenant } } };
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private IResult? Authorize(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : "";
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(_token)))
        {
            return Error(http, 401, "unauthorized", "A valid bearer token is required.");
        }

        return string.IsNullOrWhiteSpace(http.Request.Headers["x-tenant-id"].ToString())
            ? Error(http, 400, "missing_tenant", "The x-tenant-id header is required.")
            : null;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false, Timeout = 5 }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql, string parameter)
    {
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = parameter } } };
        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }

    private static string RequestId(HttpContext http) => "req-" + http.TraceIdentifier;

    private static IResult Data(HttpContext http, object data, int status = 200) =>
        Results.Json(new Dictionary<string, object?> { ["data"] = data, ["request_id"] = RequestId(http) }, statusCode: status);

    private static IResult Error(HttpContext http, int status, string code, string message) =>
        Results.Json(new Dictionary<string, object?> { ["error"] = new { code, message }, ["request_id"] = RequestId(http) }, statusCode: status);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
