using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Ledger.Agent.Restores;

/// <summary>One answer from DecisionGraph: status and body (the body is read as text and parsed by the caller).</summary>
public sealed record DecisionGraphAnswer(int Status, string Body);

/// <summary>
/// The three DecisionGraph routes a restore uses: <c>GET /api/healthz</c>, <c>GET /api/v1/projections/health</c> and
/// <c>POST /api/v1/admin/replays</c>, the last two with <c>Authorization: Bearer</c> and <c>x-tenant-id</c>. The token is
/// put on each request and never logged; transport failures surface as <see cref="HttpRequestException"/> or
/// <see cref="TaskCanceledException"/> for the caller to record.
/// </summary>
public sealed class DecisionGraphClient : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public Task<DecisionGraphAnswer> HealthzAsync(Uri baseUrl, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "api/healthz")), ct);

    public Task<DecisionGraphAnswer> ProjectionHealthAsync(Uri baseUrl, string token, string tenant, CancellationToken ct) =>
        SendAsync(Authorized(new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "api/v1/projections/health")), token, tenant), ct);

    public Task<DecisionGraphAnswer> RequestRebuildAsync(Uri baseUrl, string token, string tenant, string reason, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new { mode = "rebuild", projection = "all", reason });
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "api/v1/admin/replays"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        return SendAsync(Authorized(request, token, tenant), ct);
    }

    /// <summary>The base URL with exactly one trailing slash, so relative routes append to any base path.</summary>
    public static Uri BaseOf(string url) => new(url.TrimEnd('/') + "/");

    /// <summary>The replay job's id from a <c>{"data": {"run": {"job_id": ...}}}</c> answer, if there is one.</summary>
    public static string? JobIdOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                   && data.TryGetProperty("run", out var run) && run.ValueKind == JsonValueKind.Object
                   && run.TryGetProperty("job_id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
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

    private async Task<DecisionGraphAnswer> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        using (var response = await _http.SendAsync(request, ct))
        {
            return new DecisionGraphAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }
    }

    public void Dispose() => _http.Dispose();
}
