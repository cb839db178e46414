using Ledger.Client;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ledger.Cli;
using Ledger.Cli.Client;
using Refit;

namespace Ledger.Tests.Cli;

public class when_the_ledger_answers_with_an_error
{
    private const string Url = "http://ledger.example:5080";

    private const string ValidationProblem = """
        {
          "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
          "title": "The backup request is invalid",
          "status": 400,
          "detail": "Fix the fields below and try again.",
          "errors": {
            "environment": ["'Prod' is not a valid environment name"],
            "trigger": ["expected one of scheduled, manual, pre-upgrade", "trigger is required"]
          }
        }
        """;

    [Fact]
    public void a_400_is_an_input_error_that_shows_the_title_the_detail_and_every_field_error()
    {
        var error = ApiErrors.FromResponse(HttpStatusCode.BadRequest, ValidationProblem, Url);

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Equal(
            [
                "the ledger rejected the input: The backup request is invalid: Fix the fields below and try again.",
                "environment: 'Prod' is not a valid environment name",
                "trigger: expected one of scheduled, manual, pre-upgrade",
                "trigger: trigger is required",
            ],
            error.Lines);
    }

    [Fact]
    public void a_detail_that_repeats_the_field_errors_is_not_shown_twice()
    {
        var error = ApiErrors.FromResponse(
            HttpStatusCode.BadRequest,
            """{"title":"Invalid request","status":400,"detail":"environment: Unknown environment 'nope'.","errors":{"environment":["Unknown environment 'nope'."]}}""",
            Url);

        Assert.Equal(["the ledger rejected the input: Invalid request", "environment: Unknown environment 'nope'."], error.Lines);
    }

    [Fact]
    public void errors_given_as_a_plain_list_are_shown_too()
    {
        var error = ApiErrors.FromResponse(HttpStatusCode.BadRequest, """{"title":"Bad","errors":["database is required"]}""", Url);

        Assert.Equal(["the ledger rejected the input: Bad", "database is required"], error.Lines);
    }

    [Fact]
    public void a_401_says_the_token_was_rejected_and_how_to_set_one()
    {
        var error = ApiErrors.FromResponse(HttpStatusCode.Unauthorized, null, Url);

        Assert.Equal(ExitCodes.Unauthorized, error.ExitCode);
        Assert.Equal(["the server rejected the token: set --token or DGLEDGER_TOKEN"], error.Lines);
    }

    [Fact]
    public void a_403_says_the_token_lacks_the_role()
    {
        var error = ApiErrors.FromResponse(HttpStatusCode.Forbidden, """{"title":"Forbidden","status":403}""", Url);

        Assert.Equal(ExitCodes.Unauthorized, error.ExitCode);
        Assert.Equal(["the token lacks the role for this command"], error.Lines);
    }

    [Fact]
    public void a_404_is_not_found_with_the_problems_detail()
    {
        var error = ApiErrors.FromResponse(
            HttpStatusCode.NotFound, """{"title":"Not Found","status":404,"detail":"No backup 3f2a9c1e-0000-4000-8000-000000000001"}""", Url);

        Assert.Equal(ExitCodes.NotFound, error.ExitCode);
        Assert.Equal("not found: No backup 3f2a9c1e-0000-4000-8000-000000000001", error.Lines[0]);
    }

    [Fact]
    public void a_server_failure_is_unexpected_and_points_at_the_ledgers_logs()
    {
        var error = ApiErrors.FromResponse(HttpStatusCode.InternalServerError, "<html>oops</html>", Url);

        Assert.Equal(ExitCodes.Unexpected, error.ExitCode);
        Assert.Equal("the ledger failed (500): no details", error.Lines[0]);
        Assert.Contains(Url, error.Lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void a_body_that_is_not_problem_details_still_maps_by_status()
    {
        Assert.Null(ApiErrors.ParseProblem("not json"));
        Assert.Null(ApiErrors.ParseProblem("[1,2]"));
        Assert.Equal(ExitCodes.Usage, ApiErrors.FromResponse(HttpStatusCode.BadRequest, "not json", Url).ExitCode);
    }

    [Fact]
    public async Task a_refit_exception_for_problem_json_maps_through_its_raw_content()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url + "/api/v1/backups");
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest)
        {
            RequestMessage = request,
            Content = new StringContent(ValidationProblem, Encoding.UTF8, "application/problem+json"),
        };
        var exception = await ApiException.Create(request, HttpMethod.Post, response, LedgerJson.RefitSettings);

        Assert.IsType<ValidationApiException>(exception);
        Assert.True(ApiErrors.TryMap(exception, Url, out var error));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Equal(4, error.Lines.Count);
    }
}

public class when_the_ledger_cannot_be_reached
{
    [Fact]
    public void a_refused_connection_says_where_it_looked_and_how_to_point_elsewhere()
    {
        var refused = new HttpRequestException("Connection refused (127.0.0.1:1)", new SocketException((int)SocketError.ConnectionRefused));

        Assert.True(ApiErrors.TryMap(refused, "http://127.0.0.1:1", out var error));

        Assert.Equal(ExitCodes.Unreachable, error.ExitCode);
        Assert.Equal("cannot reach the ledger at http://127.0.0.1:1: is it running? set --url or DGLEDGER_URL", error.Lines[0]);
    }

    [Fact]
    public void a_transport_failure_wrapped_by_refit_is_unreachable_too()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:1/api/v1/agents");
        var wrapped = new ApiRequestException(request, HttpMethod.Get, LedgerJson.RefitSettings, new HttpRequestException("Connection refused"));

        Assert.True(ApiErrors.TryMap(wrapped, "http://127.0.0.1:1", out var error));
        Assert.Equal(ExitCodes.Unreachable, error.ExitCode);
    }

    [Fact]
    public void a_request_that_times_out_is_unreachable_with_its_own_message()
    {
        var timeout = new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout", new TimeoutException());

        Assert.True(ApiErrors.TryMap(timeout, "http://ledger:5080", out var error));
        Assert.Equal(ExitCodes.Unreachable, error.ExitCode);
        Assert.Contains("did not answer in time", error.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void an_error_that_has_nothing_to_do_with_http_is_left_to_surface()
    {
        Assert.False(ApiErrors.TryMap(new InvalidOperationException("bug"), "http://ledger:5080", out _));
    }
}
