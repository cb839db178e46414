using Ledger.Client;
using System.Text.Json;
using Ledger.Cli;
using Ledger.Cli.Client;
using Ledger.Contracts.Fidelity;
using Npgsql;

namespace Ledger.ScenarioTests.Fidelity;

// `dgledger diff --source A --target B` in-process, against real databases.

[Collection(FidelityCollection.Name)]
public sealed class when_diffing_live_databases_from_the_cli(FidelityFixture fixture)
{
    private static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, new CliOverrides { Out = stdout, Error = stderr, Environment = _ => null });
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The libpq URI form of a connection string, password included, as a person would type it.</summary>
    private static string Url(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgresql://{Uri.EscapeDataString(b.Username!)}:{Uri.EscapeDataString(b.Password ?? "")}@{b.Host}:{b.Port}/{b.Database}";
    }

    [Fact]
    public async Task a_faithful_restore_exits_0_and_reads_identical()
    {
        var target = await fixture.RestoreAsync();

        var run = await RunAsync("diff", "--source", Url(fixture.Source), "--target", target);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.StartsWith("identical: ", run.Out, StringComparison.Ordinal);
        Assert.Equal("", run.Error);
        var password = new NpgsqlConnectionStringBuilder(target).Password;
        if (!string.IsNullOrEmpty(password))
        {
            Assert.DoesNotContain(password, run.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task a_changed_row_exits_4_naming_the_table_and_its_key()
    {
        var target = await fixture.RestoreAsync();
        await FidelityFixture.ExecuteAsync(target, "update shop.orders set status = 'paid' where id = 3");

        var run = await RunAsync("diff", "--source", fixture.Source, "--target", Url(target));

        Assert.Equal(ExitCodes.DatabasesDiffer, run.ExitCode);
        Assert.StartsWith("differs: ", run.Out, StringComparison.Ordinal);
        var row = run.Out.Split('\n').Single(l => l.StartsWith("shop.orders ", StringComparison.Ordinal));
        Assert.Equal(["shop.orders", "content", "3", "3", "3"], row.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task json_prints_the_diff_with_keys_and_still_exits_4()
    {
        var target = await fixture.RestoreAsync();
        await FidelityFixture.ExecuteAsync(target, "update shop.customers set note = null where id = 2; drop index shop.orders_placed_idx");

        var run = await RunAsync("diff", "--source", fixture.Source, "--target", target, "--json");

        Assert.Equal(ExitCodes.DatabasesDiffer, run.ExitCode);
        var diff = JsonSerializer.Deserialize<FingerprintDiff>(run.Out, LedgerJson.Web)!;
        Assert.False(diff.Identical);
        var table = Assert.Single(diff.Tables);
        Assert.Equal(("customers", "content"), (table.Table, table.Kind));
        Assert.Equal(["2"], table.DifferingKeys);
        Assert.Equal(("index", "shop.orders_placed_idx", "missing"), (Assert.Single(diff.Schema).Kind, diff.Schema[0].Name, diff.Schema[0].Change));
    }

    [Fact]
    public async Task a_missing_target_exits_2_before_touching_any_database()
    {
        var run = await RunAsync("diff", "--source", fixture.Source);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--target", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task a_database_that_does_not_exist_exits_7_naming_it()
    {
        var nowhere = PgConnectionStringsFor(fixture.Source, "no_such_database");

        var run = await RunAsync("diff", "--source", fixture.Source, "--target", nowhere);

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("cannot connect to the target database at postgresql://", run.Error, StringComparison.Ordinal);
        Assert.Contains("/no_such_database", run.Error, StringComparison.Ordinal);
    }

    private static string PgConnectionStringsFor(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;
}
