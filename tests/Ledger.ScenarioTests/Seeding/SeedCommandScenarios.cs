using System.Text.Json;
using Ledger.Cli;
using DecisionGraph.Fixtures;
using Npgsql;

namespace Ledger.ScenarioTests.Seeding;

public sealed class when_dgledger_seed_runs_against_a_real_database(SeedingPostgres postgres) : IClassFixture<SeedingPostgres>
{
    [Fact]
    public async Task it_exits_0_with_a_json_summary_then_2_when_run_again_into_the_same_database()
    {
        var (url, password) = LibpqUrl(await postgres.NewDatabaseAsync("cli_json"));

        var first = await RunAsync("seed", "--database-url", url, "--traces", "120", "--tenants", "2", "--seed", "4", "--json");
        var second = await RunAsync("seed", "--database-url", url, "--traces", "120", "--json");

        Assert.True(first.ExitCode == ExitCodes.Ok, first.Error);
        using var json = JsonDocument.Parse(first.Out);
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("seed").GetInt32());
        Assert.Equal(2, root.GetProperty("tenants").GetInt32());
        Assert.True(root.GetProperty("eventRows").GetInt64() > 120);
        Assert.Equal(DecisionGraphSchema.Tables, root.GetProperty("tables").EnumerateArray().Select(t => t.GetProperty("table").GetString()));

        Assert.Equal(ExitCodes.Usage, second.ExitCode);
        Assert.Equal("", second.Out);
        Assert.Contains("error: dg_event_log, dg_projection_cursors", second.Error, StringComparison.Ordinal);
        Assert.Contains("not empty", second.Error, StringComparison.Ordinal);

        // Never the password: the URL is shown redacted everywhere.
        Assert.DoesNotContain(password, first.Out + first.Error + second.Out + second.Error, StringComparison.Ordinal);
        Assert.Contains(root.GetProperty("database").GetString()!, first.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task without_json_it_prints_a_table_of_every_table_and_the_rate()
    {
        var database = await postgres.NewDatabaseAsync("cli_table");

        var run = await RunAsync("seed", "--database-url", database, "--traces", "80");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("seeded postgresql://", lines[0], StringComparison.Ordinal);
        Assert.Contains("fast load", lines[0], StringComparison.Ordinal);
        foreach (var table in DecisionGraphSchema.Tables)
        {
            Assert.Contains(lines, l => l.StartsWith(table + " ", StringComparison.Ordinal));
        }

        Assert.Matches(@"^[\d,]+ event rows in [\d.]+s: [\d,]+ event rows/s$", lines[^1]);
        Assert.Equal(80L, await SeedingPostgres.ScalarAsync<long>(database, "select count(*) from dg_trace_summary"));
    }

    [Fact]
    public async Task a_database_that_does_not_exist_exits_5()
    {
        var missing = PgConnectionStringsFor("no_such_database_for_seed");

        var run = await RunAsync("seed", "--database-url", missing, "--traces", "10");

        Assert.Equal(ExitCodes.NotFound, run.ExitCode);
        Assert.Contains("does not exist", run.Error, StringComparison.Ordinal);
    }

    private string PgConnectionStringsFor(string database) =>
        new NpgsqlConnectionStringBuilder(postgres.Pg.ConnectionString) { Database = database }.ConnectionString;

    /// <summary>The database as a libpq URI with the password in it, and that password.</summary>
    private static (string Url, string Password) LibpqUrl(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var password = builder.Password ?? "";
        var url = $"postgresql://{Uri.EscapeDataString(builder.Username!)}:{Uri.EscapeDataString(password)}@{builder.Host}:{builder.Port}/{Uri.EscapeDataString(builder.Database!)}";
        return (url, password);
    }

    private static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await DgLedger.Demo.DemoTool.RunAsync(args, new CliOverrides { Out = stdout, Error = stderr, Environment = _ => null });
        return (code, stdout.ToString(), stderr.ToString());
    }
}
