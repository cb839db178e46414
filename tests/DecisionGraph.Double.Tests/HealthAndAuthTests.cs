using System.Text.Json;

namespace DecisionGraph.Double.Tests;

[Collection(PostgresCollection.Name)]
public sealed class HealthAndAuthTests(PostgresFixture postgres) : DoubleTest(postgres)
{
    [Fact]
    public async Task healthz_is_anonymous_unenveloped_and_reports_the_store_and_default_tenant()
    {
        // health_controller.ex: json(conn, DecisionGraph.Api.bootstrap_snapshot()) — no auth, no envelope.
        var (status, body) = await SendAsync(HttpMethod.Get, "/api/healthz", null, null);

        Assert.Equal(200, status);
        Assert.False(body.TryGetProperty("data", out _));
        Assert.True(body.GetProperty("store").GetProperty("repo_started?").GetBoolean());
        Assert.Equal("prod", body.GetProperty("deployment_env").GetString());
        var health = body.GetProperty("projection_health");
        Assert.Equal("default", health.GetProperty("tenant_id").GetString());
        Assert.Equal(20, health.GetProperty("event_log_last_seq").GetInt64());
        Assert.Equal(5, body.GetProperty("auth").GetProperty("configured_accounts").GetInt32());
    }

    [Fact]
    public async Task healthz_answers_200_when_the_database_is_down_and_says_so_in_its_body()
    {
        // health.ex projection_health_snapshot/0 rescues into {status: "unavailable", reason}; store.ex repo_started?.
        Dg.Faults.DatabaseDown = true;

        var (status, body) = await SendAsync(HttpMethod.Get, "/api/healthz", null, null);

        Assert.Equal(200, status);
        Assert.False(body.GetProperty("store").GetProperty("repo_started?").GetBoolean());
        Assert.Equal("unavailable", body.GetProperty("projection_health").GetProperty("status").GetString());
        Assert.Contains("Failed to start repo", body.GetProperty("projection_health").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task projection_health_has_the_admin_ex_shape_per_tenant()
    {
        // projector/admin.ex projection_health/1.
        var (status, body) = await GetAsync("/api/v1/projections/health", tenant: "acme");

        Assert.Equal(200, status);
        var data = body.GetProperty("data");
        Assert.Equal("acme", data.GetProperty("tenant_id").GetString());
        Assert.Equal(10, data.GetProperty("event_log_last_seq").GetInt64());
        var projections = data.GetProperty("projections").EnumerateArray().ToList();
        Assert.Equal(["context_graph", "trace_summary", "precedent_index"], projections.Select(p => p.GetProperty("projection_name").GetString()));
        foreach (var p in projections)
        {
            Assert.Equal(10, p.GetProperty("last_log_seq").GetInt64());
            Assert.Equal(0, p.GetProperty("pending_events").GetInt64());
            Assert.False(p.GetProperty("is_stale").GetBoolean());
            Assert.StartsWith("sha256:", p.GetProperty("digest").GetString());
            Assert.Equal(0, p.GetProperty("open_failures").GetInt64());
            Assert.Equal(JsonValueKind.String, p.GetProperty("updated_at").ValueKind);
        }

        Assert.Empty(data.GetProperty("open_runs").EnumerateArray());
        Assert.StartsWith("sha256:", data.GetProperty("full_digest").GetString());
    }

    [Fact]
    public async Task pending_events_is_head_minus_cursor_and_is_stale_when_the_cursor_is_behind()
    {
        // admin.ex: pending_events: max(event_log_last_seq - cursor, 0), is_stale: cursor < event_log_last_seq.
        await RealSchemaSample.AppendUnprojectedTraceAsync(Database, "default", "trace-late", 3, DateTimeOffset.UtcNow);

        var (_, body) = await GetAsync("/api/v1/projections/health");

        var data = body.GetProperty("data");
        Assert.Equal(23, data.GetProperty("event_log_last_seq").GetInt64());
        Assert.All(data.GetProperty("projections").EnumerateArray(), p =>
        {
            Assert.Equal(3, p.GetProperty("pending_events").GetInt64());
            Assert.True(p.GetProperty("is_stale").GetBoolean());
        });
    }

    [Fact]
    public async Task the_tenant_header_is_checked_first_then_the_token_then_tenant_and_role()
    {
        // auth.ex authenticate/3: normalize_tenant, bearer_token, lookup_account, authorize_tenant, authorize_roles.
        var (s1, b1) = await GetAsync("/api/v1/projections/health", token: null, tenant: null);
        Assert.Equal(400, s1);
        AssertError(b1, "invalid_argument", "x-tenant-id header is required");

        var (s2, b2) = await GetAsync("/api/v1/projections/health", token: null, tenant: "default");
        Assert.Equal(401, s2);
        AssertError(b2, "unauthorized", "Authentication required");

        var (s3, b3) = await GetAsync("/api/v1/projections/health", token: "not-a-known-token", tenant: "default");
        Assert.Equal(401, s3);
        AssertError(b3, "unauthorized", "Unknown service account token");

        var (s4, b4) = await GetAsync("/api/v1/projections/health", token: AcmeOnlyToken, tenant: "default");
        Assert.Equal(403, s4);
        AssertError(b4, "forbidden", "Service account cannot access tenant default");

        var (s5, b5) = await GetAsync("/api/v1/projections/health", token: AuditorToken, tenant: "default");
        Assert.Equal(403, s5);
        AssertError(b5, "forbidden", "Service account lacks required role");
    }

    [Fact]
    public async Task only_the_exact_bearer_scheme_is_accepted()
    {
        // auth.ex bearer_token/1: String.split(value, " ", parts: 2) must give ["Bearer", token].
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/projections/health");
        request.Headers.TryAddWithoutValidation("Authorization", "bearer " + ReaderToken);
        request.Headers.Add("x-tenant-id", "default");
        using var response = await Http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(401, (int)response.StatusCode);
        AssertError(body, "unauthorized", "Authorization header must use Bearer token format");
    }

    [Fact]
    public async Task a_forced_429_is_answered_once_and_the_next_request_passes()
    {
        // rate_limiter.ex check/2: over the limit, Errors.rate_limited("Rate limit exceeded for read API scope").
        Dg.Faults.RateLimitNext(1);

        var (s1, b1) = await GetAsync("/api/v1/projections/health");
        var (s2, _) = await GetAsync("/api/v1/projections/health");

        Assert.Equal(429, s1);
        AssertError(b1, "rate_limited", "Rate limit exceeded for read API scope");
        Assert.Equal(200, s2);
    }

    [Fact]
    public async Task the_request_id_sent_is_echoed_in_the_envelope()
    {
        // BEAM_HTTP_API_CONTRACT.md "Request IDs": the server echoes or generates a request id on every response.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/projections/health");
        request.Headers.Add("Authorization", "Bearer " + ReaderToken);
        request.Headers.Add("x-tenant-id", "default");
        request.Headers.Add("x-request-id", "dgledger-42");
        using var response = await Http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("dgledger-42", body.GetProperty("request_id").GetString());
        Assert.Equal("dgledger-42", response.Headers.GetValues("x-request-id").Single());
    }

    [Fact]
    public async Task versioned_routes_answer_503_storage_while_the_database_is_down()
    {
        // store.ex ensure_repo_started!/0 raises Error :storage; errors.ex status_for(:storage) = 503.
        Dg.Faults.DatabaseDown = true;

        var (status, body) = await GetAsync("/api/v1/projections/health");

        Assert.Equal(503, status);
        Assert.Equal("storage", body.GetProperty("error").GetProperty("code").GetString());
    }
}
