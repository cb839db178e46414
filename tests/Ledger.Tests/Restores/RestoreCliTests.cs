using Ledger.Cli;
using Ledger.Cli.Restores;
using Ledger.Contracts.Restores;
using Ledger.Tests.Cli;

namespace Ledger.Tests.Restores;

public sealed class when_the_cli_reports_a_restore
{
    [Theory]
    [InlineData(RestoreStatus.Verified, 0)]
    [InlineData(RestoreStatus.Failed, ExitCodes.RestoreFailed)]
    [InlineData(RestoreStatus.VerificationFailed, ExitCodes.RestoreFailed)]
    [InlineData(RestoreStatus.Refused, ExitCodes.RestoreRefused)]
    [InlineData(RestoreStatus.Planned, 0)]
    public void each_final_status_has_its_exit_code(RestoreStatus status, int code) =>
        Assert.Equal(code, RestoreCommand.ExitCodeOf(new RestoreView { Status = status }));

    [Fact]
    public void a_plan_an_interlock_would_refuse_exits_as_refused() =>
        Assert.Equal(ExitCodes.RestoreRefused, RestoreCommand.ExitCodeOf(new RestoreView
        {
            Status = RestoreStatus.Planned, Blockers = [new RestoreRefusal(Interlocks.PrimaryTarget, "primary", 400)],
        }));

    [Fact]
    public void an_interlock_problem_is_read_with_its_restore_id_and_other_problems_are_not()
    {
        var id = Guid.NewGuid();
        var refusal = RestoreViews.RefusalOf($$"""{"status": 409, "title": "Restore refused", "detail": "in progress", "interlock": "restore-in-progress", "restoreId": "{{id}}"}""");
        Assert.Equal(("restore-in-progress", "in progress", (Guid?)id), refusal);
        Assert.Null(RestoreViews.RefusalOf("""{"status": 400, "title": "Invalid request", "errors": {"targetDatabase": ["bad"]}}"""));
        Assert.Null(RestoreViews.RefusalOf("not json"));
    }

    [Fact]
    public async Task a_restore_without_confirmation_is_a_usage_error_before_any_request()
    {
        var ledger = StubLedger.NeverCalled();
        var run = await CliHarness.RunAsync(["restore", Guid.NewGuid().ToString(), "--target-db", "copy"], Environment, ledger);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--confirm copy", run.Error);
        Assert.Empty(ledger.Requests);
    }

    [Fact]
    public async Task an_interlock_refusal_exits_9_with_the_reason_and_where_it_was_recorded()
    {
        var id = Guid.NewGuid();
        var ledger = new StubLedger(_ => StubLedger.Problem(System.Net.HttpStatusCode.Conflict,
            $$"""{"status": 409, "title": "Restore refused", "detail": "Restore x is running.", "interlock": "restore-in-progress", "restoreId": "{{id}}"}"""));

        var run = await CliHarness.RunAsync(["restore", Guid.NewGuid().ToString(), "--target-db", "copy", "--confirm", "copy"], Environment, ledger);

        Assert.Equal(ExitCodes.RestoreRefused, run.ExitCode);
        Assert.Contains("restore refused (restore-in-progress): Restore x is running.", run.Error);
        Assert.Contains($"dgledger restores show {id}", run.Error);
        Assert.Contains("\"confirm\":\"copy\"", Assert.Single(ledger.Requests).Body);
    }

    private static readonly Dictionary<string, string?> Environment = new()
    {
        ["DGLEDGER_URL"] = "http://ledger.test", ["DGLEDGER_TOKEN"] = "t0ken-for-tests-only",
    };
}
