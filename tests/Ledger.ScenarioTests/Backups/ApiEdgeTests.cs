using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;

namespace Ledger.ScenarioTests.Backups;

[Collection(LedgerCollection.Name)]
public sealed class when_a_caller_is_not_allowed(LedgerFixture fixture)
{
    [Fact]
    public async Task no_token_is_401_with_a_bearer_challenge()
    {
        using var client = fixture.Stack.Client();
        var response = await client.GetAsync("/api/v1/backups");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task an_unknown_token_is_401()
    {
        using var client = fixture.Stack.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "this-token-was-never-configured");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/backups")).StatusCode);
    }

    [Fact]
    public async Task a_reader_may_list_but_not_request_a_backup_and_nothing_is_appended()
    {
        using var client = fixture.Stack.Client(Roles.Reader);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/backups")).StatusCode);

        var before = await fixture.EventCountAsync();
        var response = await client.PostAsJsonAsync("/api/v1/backups", new RequestBackup("staging", "app"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(before, await fixture.EventCountAsync());
    }

    [Fact]
    public async Task the_cli_says_what_to_do_about_a_missing_token()
    {
        var run = await fixture.RunCliAsync(null, "backups", "list");
        Assert.Equal(Ledger.Cli.ExitCodes.Unauthorized, run.ExitCode);
        Assert.Contains("DGLEDGER_TOKEN", run.Error);
    }

    [Fact]
    public async Task health_is_anonymous_and_openapi_describes_the_backup_endpoints()
    {
        using var client = fixture.Stack.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var openapi = await client.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/v1/backups", openapi);
    }
}

[Collection(LedgerCollection.Name)]
public sealed class when_a_backup_request_is_invalid(LedgerFixture fixture)
{
    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"environment":"nowhere","database":"app"}""", "environment" },
        { """{"environment":"Staging!","database":"app"}""", "environment" },
        { """{"environment":"staging","database":"other"}""", "database" },
        { """{"environment":"staging","database":"app; drop table x"}""", "database" },
        { """{"environment":"staging","database":"app","trigger":"hourly"}""", "trigger" },
        { """{"environment":"staging","database":"app","release":"v1 && rm -rf /"}""", "release" },
        { """{"environment":"staging","database":"app","trigger":"pre-upgrade"}""", "release" },
        { """{"database":"app"}""", "environment" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task it_answers_400_naming_the_field_and_appends_nothing(string body, string field)
    {
        using var client = fixture.Stack.Client(Roles.Operator);
        var before = await fixture.EventCountAsync();

        var response = await client.PostAsync("/api/v1/backups", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
        Assert.Equal(before, await fixture.EventCountAsync());
    }

    [Fact]
    public async Task malformed_json_is_a_400_problem_and_appends_nothing()
    {
        using var client = fixture.Stack.Client(Roles.Operator);
        var before = await fixture.EventCountAsync();
        var response = await client.PostAsync("/api/v1/backups",
            new StringContent("""{"environment": "staging", "database": """, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("JSON", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await fixture.EventCountAsync());
    }

    [Fact]
    public async Task an_oversized_body_is_refused_with_a_413_problem_and_appends_nothing()
    {
        using var client = fixture.Stack.Client(Roles.Operator);
        var before = await fixture.EventCountAsync();
        var huge = JsonSerializer.Serialize(new { environment = "staging", database = "app", release = new string('a', 200_000) });
        var response = await client.PostAsync("/api/v1/backups", new StringContent(huge, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await fixture.EventCountAsync());
    }

    [Fact]
    public async Task an_unknown_backup_is_a_404_problem_and_the_cli_exits_5()
    {
        using var client = fixture.Stack.Client(Roles.Reader);
        var response = await client.GetAsync($"/api/v1/backups/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        var run = await fixture.RunCliAsync(Roles.Reader, "backups", "show", Guid.NewGuid().ToString());
        Assert.Equal(Ledger.Cli.ExitCodes.NotFound, run.ExitCode);
    }
}

[Collection(LedgerCollection.Name)]
public sealed class when_a_query_value_is_out_of_range(LedgerFixture fixture)
{
    [Theory]
    [InlineData("/api/v1/reports/drills?since=0001-01-01", "since")]
    [InlineData("/api/v1/gates/fresh-backup?env=staging&db=app&max_age=99999999999999", "max_age")]
    [InlineData("/api/v1/gates/fresh-backup?env=staging&db=app&max_age=-1", "max_age")]
    // Statuses are wire names only: not a C# name, not a number.
    [InlineData("/api/v1/backups?status=VerificationFailed", "status")]
    [InlineData("/api/v1/restores?status=3", "status")]
    [InlineData("/api/v1/notifications/deliveries?status=lost", "status")]
    public async Task it_is_a_400_naming_the_value_never_a_500(string url, string field)
    {
        using var client = fixture.Stack.Client(Roles.Reader);
        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem}");
    }
}
