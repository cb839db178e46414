using Ledger.Cli;

namespace Ledger.Tests.Cli;

public class when_the_ledger_is_unreachable
{
    private const string Nowhere = "http://127.0.0.1:1";

    [Fact]
    public async Task it_exits_7_and_says_where_it_looked_and_how_to_point_elsewhere()
    {
        var run = await CliHarness.RunAsync(["backups", "list", "--url", Nowhere]);

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.StartsWith(
            "error: cannot reach the ledger at http://127.0.0.1:1: is it running? set --url or DGLEDGER_URL",
            run.Error,
            StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task it_looks_where_DGLEDGER_URL_says_when_no_url_is_given()
    {
        var run = await CliHarness.RunAsync(["agents", "list"], new Dictionary<string, string?> { ["DGLEDGER_URL"] = Nowhere + "/" });

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("cannot reach the ledger at http://127.0.0.1:1:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_url_option_wins_over_DGLEDGER_URL()
    {
        var run = await CliHarness.RunAsync(
            ["backups", "show", Guid.NewGuid().ToString(), "--url", Nowhere],
            new Dictionary<string, string?> { ["DGLEDGER_URL"] = "http://127.0.0.1:2" });

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("http://127.0.0.1:1", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1:2", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task it_never_prints_the_token()
    {
        const string token = "s3cret-token-do-not-print";

        var fromOption = await CliHarness.RunAsync(["backups", "take", "--env", "prod", "--db", "orders", "--url", Nowhere, "--token", token]);
        var fromEnvironment = await CliHarness.RunAsync(["backups", "list"], new Dictionary<string, string?> { ["DGLEDGER_URL"] = Nowhere, ["DGLEDGER_TOKEN"] = token });

        Assert.Equal(ExitCodes.Unreachable, fromOption.ExitCode);
        Assert.Equal(ExitCodes.Unreachable, fromEnvironment.ExitCode);
        Assert.DoesNotContain(token, fromOption.All, StringComparison.Ordinal);
        Assert.DoesNotContain(token, fromEnvironment.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_json_run_leaves_stdout_empty_and_reports_on_stderr()
    {
        var run = await CliHarness.RunAsync(["backups", "list", "--json", "--url", Nowhere]);

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.NotEqual("", run.Error);
    }
}

public class when_the_command_line_is_wrong
{
    private static async Task<CliResult> RunWithoutLedgerAsync(params string[] args)
    {
        var ledger = StubLedger.NeverCalled();
        var run = await CliHarness.RunAsync(args, handler: ledger);
        Assert.Empty(ledger.Requests); // a usage error is caught before anything is sent
        return run;
    }

    [Fact]
    public async Task an_unknown_kind_exits_2_and_lists_the_valid_ones()
    {
        var run = await RunWithoutLedgerAsync("backups", "take", "--env", "prod", "--db", "orders", "--kind", "weekly");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("error: invalid --kind 'weekly': expected one of scheduled, manual, pre-upgrade", run.Error, StringComparison.Ordinal);
        Assert.Contains("run 'dgledger backups take --help' for usage", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task an_unknown_trigger_exits_2_naming_trigger_the_word_the_api_and_events_use()
    {
        var run = await RunWithoutLedgerAsync("backups", "list", "--trigger", "weekly");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("error: invalid --trigger 'weekly': expected one of scheduled, manual, pre-upgrade", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task trigger_and_its_alias_kind_that_disagree_exit_2()
    {
        var run = await RunWithoutLedgerAsync("backups", "take", "--env", "prod", "--db", "orders", "--trigger", "manual", "--kind", "pre-upgrade");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--kind is an alias of --trigger", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_missing_required_option_exits_2_and_names_it()
    {
        var run = await RunWithoutLedgerAsync("backups", "take", "--db", "orders");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("error: option '--env' is required", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_unknown_option_exits_2_not_cocona_s_129()
    {
        var run = await RunWithoutLedgerAsync("backups", "list", "--verbose");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("unknown option '--verbose'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_value_of_the_wrong_type_exits_2_with_what_was_expected()
    {
        var run = await RunWithoutLedgerAsync("backups", "list", "--page", "two");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("invalid --page 'two': expected a whole number", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("backups", "list", "--since", "yesterday")]
    [InlineData("backups", "list", "--status", "done")]
    [InlineData("backups", "list", "--page-size", "0")]
    [InlineData("backups", "show", "3f2a9c1e")]
    [InlineData("backups", "take", "--env", "Prod", "--db", "orders")]
    [InlineData("backups", "take", "--env", "prod", "--db", "orders", "--timeout", "5m")]
    [InlineData("backups", "take", "--env", "prod", "--db", "orders", "--wait", "--timeout", "soon")]
    [InlineData("agents", "list", "--url", "ftp://ledger")]
    [InlineData("agents", "list", "--url", "not a url")]
    public async Task bad_input_exits_2_before_calling_the_ledger(params string[] args)
    {
        var run = await RunWithoutLedgerAsync(args);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_unknown_command_exits_2_and_suggests_the_near_one()
    {
        var run = await RunWithoutLedgerAsync("backups", "lst");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("'lst' is not a 'dgledger backups' command", run.Error, StringComparison.Ordinal);
        Assert.Contains("did you mean 'list'?", run.Error, StringComparison.Ordinal);
    }
}

public class when_asking_for_help
{
    [Fact]
    public async Task the_top_level_help_exits_0_and_lists_the_groups_and_every_exit_code()
    {
        var run = await CliHarness.RunAsync(["--help"]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Usage: dgledger", run.Out, StringComparison.Ordinal);
        Assert.Contains("backups", run.Out, StringComparison.Ordinal);
        Assert.Contains("agents", run.Out, StringComparison.Ordinal);
        Assert.Contains("Exit codes:", run.Out, StringComparison.Ordinal);
        Assert.All(ExitCodes.All, e => Assert.Matches($@"(?m)^\s+{e.Code}\s+{System.Text.RegularExpressions.Regex.Escape(e.Meaning)}$", run.Out));
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task a_commands_help_exits_0_and_shows_its_options_and_the_global_ones()
    {
        var run = await CliHarness.RunAsync(["backups", "take", "--help"]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Usage: dgledger backups take", run.Out, StringComparison.Ordinal);
        foreach (var option in new[] { "--env", "--db", "--trigger", "--kind", "--release", "--wait", "--timeout", "--json", "--url", "--token" })
        {
            Assert.Contains(option, run.Out, StringComparison.Ordinal);
        }

        Assert.Contains("124", run.Out, StringComparison.Ordinal);
    }
}
