using Ledger.Cli;
using Ledger.Tests.Cli;

namespace Ledger.Tests.Seeding;

public sealed class when_seed_is_given_bad_input
{
    private const string Password = "hunter2-do-not-print";
    private const string Nowhere = "postgresql://dg:" + Password + "@127.0.0.1:1/dg";

    [Theory]
    [InlineData("0", "3", "invalid --traces 0")]
    [InlineData("10", "0", "invalid --tenants 0")]
    [InlineData("2", "3", "invalid --tenants 3")]
    public async Task it_exits_2_before_connecting_and_names_the_option(string traces, string tenants, string expected)
    {
        var run = await CliHarness.RunDemoToolAsync(["seed", "--database-url", Nowhere, "--traces", traces, "--tenants", tenants]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith("error: " + expected, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.All, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task a_url_that_is_not_postgresql_is_a_usage_error()
    {
        var run = await CliHarness.RunDemoToolAsync(["seed", "--database-url", "mysql://root:" + Password + "@db/x", "--traces", "5"]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith("error: invalid --database-url", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task without_traces_it_says_the_option_is_required()
    {
        var run = await CliHarness.RunDemoToolAsync(["seed", "--database-url", Nowhere]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("'--traces' is required", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_unreachable_server_exits_7_and_shows_the_url_without_its_password()
    {
        var run = await CliHarness.RunDemoToolAsync(["seed", "--database-url", Nowhere, "--traces", "5"]);

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("error: cannot reach PostgreSQL at postgresql://dg@127.0.0.1:1/dg", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.All, StringComparison.Ordinal);
    }
}
