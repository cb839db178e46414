using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Ledger.Agent.Restores;

/// <summary>One answer from DecisionGraph: status and body (the body is read as text and parsed by the caller).</summary>
public sealed record DecisionGraphAnswer(int Status, string Body, int RateLimitedRetries = 0)
{
    /// <summary>The error envelope's code, when the answer is <c>{"error": {"code", "message"}}</c>.</summary>
    public string? ErrorCode => DecisionGraphClient.ErrorField(Body, "code");

    public string? ErrorMessage => DecisionGraphClient.ErrorField(Body, "message");
}

/// <summary>How the client backs off when DecisionGraph answers 429 (rate_limiter.ex: fixed one-minute windows, no Retry-After).</summary>
public sealed record RateLimitBackOff(int Attempts, TimeSpan FirstDelay)
{
    public static readonly RateLimitBackOff Default = new(4, TimeSpan.FromSeconds(2));
}

/// <summary>
/// DecisionGraph's HTTP API as a restore uses it (beam/apps/dg_web/lib/decision_graph_web/router.ex):
/// <c>GET /api/healthz</c> (anonymous), <c>GET /</c> (the operator console), and, with <c>Authorization: Bearer</c> and
/// <c>x-tenant-id</c>, <c>GET /api/v1/projections/health</c>, <c>GET /api/v1/traces/{id}</c>,
/// <c>POST /api/v1/admin/replays</c>, <c>GET /api/v1/admin/replays/{job_id}</c> and
/// <c>GET /api/v1/admin/workflows/{id}/export</c>. A 429 (rate_limited) is retried after a doubling delay. The token is
/// put on each request and never logged; transport failures surface as <see cref="HttpRequestException"/> or
/// <see cref="TaskCanceledException"/> for the caller to record.
/// </summary>
public sealed class DecisionGraphClient(TimeProvider clock) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public RateLimitBackOff BackOff { get; set; } = RateLimitBackOff.Default;

    public Task<DecisionGraphAnswer> HealthzAsync(Uri baseUrl, CancellationToken ct) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "api/healthz")), ct);

    public Task<DecisionGraphAnswer> ConsoleAsync(Uri baseUrl, CancellationToken ct) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Get, baseUrl), ct);

    public Task<DecisionGraphAnswer> ProjectionHealthAsync(Uri baseUrl, string token, string tenant, CancellationToken ct) =>
        SendAsync(() => Authorized(new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "api/v1/projections/health")), token, tenant), ct);

    public Task<DecisionGraphAnswer> TraceAsync(Uri baseUrl, string token, string tenant, string traceId, CancellationToken ct) =>
        SendAsync(() => Authorized(new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "api/v1/traces/" + Uri.EscapeDataString(traceId))), token, tenant), ct);

    /// <summary>POST /api/v1/admin/replays {mode, projection, reason}: 202 with data.run.job_id (BEAM_HTTP_API_CONTRACT.md "Admin Replay Request Rules").</summary>
    public Task<DecisionGraphAnswer> StartReplayAsync(Uri baseUrl, string token, string tenant, string mode, string projection, string reason,
        CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new { mode, projection, reason });
        return SendAsync(() => Authorized(new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "api/v1/admin/replays"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        }, token, tenant), ct);
    }

    public Task<DecisionGraphAnswer> ReplayAsync(Uri baseUrl, string token, string tenant, string jobId, CancellationToken ct) =>
        SendAsync(() => Authorized(new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "api/v1/admin/replays/" + Uri.EscapeDataString(jobId))), token, tenant), ct);

    public Task<DecisionGraphAnswer> ExportWorkflowAsync(Uri baseUrl, string token, string tenant, string workflowId, CancellationToken ct) =>
        SendAsync(() => Authorized(new HttpRequestMessage(HttpMethod.Get,
            new Uri(baseUrl, "api/v1/admin/workflows/" + Uri.EscapeDataString(workflowId) + "/export")), token, tenant), ct);

    /// <summary>The base URL with exactly one trailing slash, so relative routes append to any base path.</summary>
    public static Uri BaseOf(string url) => new(url.TrimEnd('/') + "/");

    /// <summary>data.run of a replay answer (replay_controller.ex: <c>%{run: result}</c>): job id, status, error code and message.</summary>
    public static ReplayRun? RunOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("data", out var data)
                   && data.ValueKind == JsonValueKind.Object && data.TryGetProperty("run", out var run) && run.ValueKind == JsonValueKind.Object
                   && ProjectionHealth.Text(run, "job_id") is { } jobId
                ? new ReplayRun(jobId, ProjectionHealth.Text(run, "status") ?? "", ProjectionHealth.Text(run, "error_code"),
                    ProjectionHealth.Text(run, "error_message"), ProjectionHealth.Number(run, "processed_events") ?? 0,
                    ProjectionHealth.Number(run, "last_log_seq") ?? 0)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>" (code: message)" from an error envelope, or "".</summary>
    public static string ErrorOf(string body) =>
        ErrorField(body, "code") is { } code ? $" ({code}: {ErrorField(body, "message")})" : "";

    internal static string? ErrorField(string body, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error)
                ? ProjectionHealth.Text(error, name)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static HttpRequestMessage Authorized(HttpRequestMessage request, string token, string tenant)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("x-tenant-id", tenant);
        return request;
    }

    private async Task<DecisionGraphAnswer> SendAsync(Func<HttpRequestMessage> make, CancellationToken ct)
    {
        var delay = BackOff.FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            using var request = make();
            using var response = await _http.SendAsync(request, ct);
            var answer = new DecisionGraphAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct), attempt - 1);
            if (answer.Status != 429 || attempt >= BackOff.Attempts)
            {
                return answer;
            }

            await Task.Delay(delay, clock, ct);
            delay *= 2;
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A replay job as DecisionGraph reports it (dg_projection_runs row).</summary>
public sealed record ReplayRun(string JobId, string Status, string? ErrorCode, string? ErrorMessage, long ProcessedEvents, long LastLogSeq)
{
    /// <summary>admin.ex: a job ends completed, failed or cancelled.</summary>
    public bool Finished => Status is "completed" or "failed" or "cancelled";
}
