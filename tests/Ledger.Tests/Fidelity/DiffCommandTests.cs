using System.Net;
using Ledger.Cli;
using Ledger.Cli.Diff;
using Ledger.Contracts.Fidelity;
using Ledger.Postgres.Fidelity;
using Ledger.Tests.Cli;

namespace Ledger.Tests.Fidelity;

// `dgledger diff` where no database needs to answer: usage, the ledger's answers, an unreachable server, and how a
// diff reads. Comparisons of real databases are in the scenario tests.

public class when_diff_is_called_wrongly
{
    private const string Somewhere = "postgresql://dg@127.0.0.1:1/app";

    [Fact]
    public async Task without_source_or_backup_it_exits_2_and_says_what_is_needed()
    {
        var run = await CliHarness.RunAsync(["diff", "--target", Somewhere]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--source URL", run.Error, StringComparison.Ordinal);
        Assert.Contains("--backup ID", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task with_both_source_and_backup_it_exits_2()
    {
        var run = await CliHarness.RunAsync(["diff", "--source", Somewhere, "--backup", Guid.NewGuid().ToString(), "--target", Somewhere]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("not both", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task without_a_target_it_exits_2_naming_the_option()
    {
        var run = await CliHarness.RunAsync(["diff", "--source", Somewhere]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--target", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_unreadable_url_exits_2_naming_the_option_and_never_echoing_the_password()
    {
        var run = await CliHarness.RunAsync(["diff", "--source", "mysql://root:hunter2@db/app", "--target", Somewhere]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith("error: invalid --source:", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_backup_id_that_is_not_a_guid_exits_2()
    {
        var run = await CliHarness.RunAsync(["diff", "--backup", "latest", "--target", Somewhere]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("'latest' is not a backup id", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_help_lists_the_exit_codes_of_diff()
    {
        var run = await CliHarness.RunAsync(["diff", "--help"]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Exit 0 identical, 4 different, 2 bad usage or URL, 5 unknown backup", run.Out, StringComparison.Ordinal);
    }
}

public class when_a_database_cannot_be_reached
{
    [Fact]
    public async Task it_exits_7_naming_the_redacted_url_and_never_the_password()
    {
        var run = await CliHarness.RunAsync(
            ["diff", "--source", "postgresql://dg:s3cret-pw@127.0.0.1:1/app", "--target", "Host=127.0.0.1;Port=1;Username=dg;Password=s3cret-pw;Database=restored"]);

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("cannot reach the", run.Error, StringComparison.Ordinal);
        Assert.Matches("postgresql://dg@127.0.0.1:1/(app|restored)", run.Error);
        Assert.DoesNotContain("s3cret-pw", run.All, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }
}

public class when_rendering_a_diff_for_people
{
    private static string Render(FingerprintDiff diff, bool liveSource = true)
    {
        var output = new StringWriter();
        DiffViews.Write(output, diff, Fingerprints.Source(), "postgresql://dg@db:5432/shop", "postgresql://dg@db:5432/restored", liveSource);
        return output.ToString();
    }

    [Fact]
    public void identical_databases_read_identical_on_the_first_line()
    {
        var text = Render(FingerprintComparer.Compare(Fingerprints.Source(), Fingerprints.Source()));

        Assert.StartsWith("identical: postgresql://dg@db:5432/restored equals postgresql://dg@db:5432/shop (2 tables, 1 sequence, 2 schema objects)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void a_table_row_lists_its_difference_counts_and_keys()
    {
        var diff = new FingerprintDiff(false, [new TableDifference("shop", "orders", FingerprintComparer.RowCount, 3, 2, ["42"])], [], []);

        var lines = Render(diff).Split('\n');

        Assert.Equal("differs: postgresql://dg@db:5432/restored is not postgresql://dg@db:5432/shop", lines[0]);
        Assert.Equal(["shop.orders", "row", "count", "3", "2", "42"], lines.Single(l => l.StartsWith("shop.orders", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void without_a_live_source_keys_are_said_to_need_one()
    {
        var diff = new FingerprintDiff(false, [new TableDifference("shop", "orders", FingerprintComparer.Content, 3, 3, [])], [], []);

        Assert.Contains("(needs a live --source)", Render(diff, liveSource: false), StringComparison.Ordinal);
    }

    [Fact]
    public void a_changed_schema_object_shows_both_definitions()
    {
        var diff = new FingerprintDiff(false, [], [], [new SchemaDifference("column", "shop.orders.total", FingerprintComparer.Changed, "numeric(12,2)", "text")]);

        var text = Render(diff);

        Assert.Contains("column shop.orders.total: changed\n  source: numeric(12,2)\n  target: text\n", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void sequence_drift_shows_both_values()
    {
        var diff = new FingerprintDiff(false, [], [new SequenceDifference("shop", "invoice_no", 1000, 1001)], []);

        Assert.Equal(["shop.invoice_no", "1000", "1001"], Render(diff).Split('\n').Single(l => l.StartsWith("shop.invoice_no", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
