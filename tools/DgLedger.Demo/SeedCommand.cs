using Ledger.Cli;
using DecisionGraph.Fixtures;
using System.Net.Sockets;
using Cocona;
using Ledger.Cli.Common;
using Ledger.Postgres;
using Npgsql;

namespace DgLedger.Demo;

/// <summary>
/// <c>dgledger seed</c>: create the DecisionGraph-shaped schema in a database and fill it with deterministic Bogus data
/// (see <see cref="DecisionGraphSeeder"/>). Talks to PostgreSQL directly, not to the ledger.
/// </summary>
internal sealed class SeedCommand(CliRuntime cli)
{
    [Command("seed", Description = "create the DecisionGraph schema in an empty database and fill it with deterministic data (same seed, same rows)")]
    public async Task<int> SeedAsync(
        [Option("database-url", ValueName = "URL", Description = "the database to fill: postgresql://user:pass@host:5432/db or an Npgsql connection string")] string databaseUrl,
        [Option("traces", ValueName = "N", Description = "how many traces to write (about 6-7 events each)")] int traces,
        [Option("tenants", ValueName = "T", Description = "how many tenants share them")] int tenants = SeedOptions.DefaultTenants,
        [Option("seed", ValueName = "S", Description = "the random seed: the same seed gives the same rows")] int seed = SeedOptions.DefaultSeed,
        [Option("checked", Description = "fire the event log's trace trigger for every row (slower; needs no superuser)")] bool checkedLoad = false,
        [Option("json", Description = "print the summary as JSON and nothing else on stdout")] bool json = false)
    {
        string display;
        try
        {
            _ = PgConnectionStrings.Normalize(databaseUrl);
            display = PgConnectionStrings.Redact(databaseUrl);
        }
        catch (ArgumentException e)
        {
            throw new UsageException("invalid --database-url: " + e.Message);
        }

        if (traces is < 1 or > SeedOptions.MaxTraces)
        {
            throw new UsageException($"invalid --traces {traces}: expected a number from 1 to {SeedOptions.MaxTraces:N0}");
        }

        if (tenants < 1 || tenants > SeedOptions.MaxTenants || tenants > traces)
        {
            throw new UsageException($"invalid --tenants {tenants}: expected a number from 1 to {Math.Min(SeedOptions.MaxTenants, traces)} (no more than --traces)");
        }

        var options = new SeedOptions { Traces = traces, Tenants = tenants, Seed = seed, CheckedLoad = checkedLoad };
        cli.Error.WriteLine($"seeding {display}: {Humanize.Count(traces)} traces across {tenants} tenants (seed {seed})");
        SeedReport report;
        try
        {
            report = await DecisionGraphSeeder.SeedAsync(databaseUrl, options, new StderrProgress(cli.Error), cli.Cancellation);
        }
        catch (SeedRefusedException refused)
        {
            new CliError(ExitCodes.Usage, refused.Message, "seed into a new database: create one (createdb) and point --database-url at it").WriteTo(cli.Error);
            return ExitCodes.Usage;
        }
        catch (Exception e) when (Describe(e, display) is { } error)
        {
            error.WriteTo(cli.Error);
            return error.ExitCode;
        }

        if (!checkedLoad && report.LoadMode == SeedLoadModes.Checked)
        {
            cli.Error.WriteLine("note: this role may not set session_replication_role, so the trace trigger fired for every event (slower)");
        }

        if (json)
        {
            cli.WriteJson(report);
            return ExitCodes.Ok;
        }

        var table = new TextTable(new Column("TABLE"), new Column("ROWS", Align.Right));
        foreach (var count in report.Tables)
        {
            table.AddRow(count.Table, Humanize.Count(count.Rows));
        }

        table.AddRow("total", Humanize.Count(report.Rows));
        cli.Out.WriteLine($"seeded {report.Database} (seed {report.Seed}, {report.Tenants} tenants, {report.LoadMode} load)");
        table.WriteTo(cli.Out);
        cli.Out.WriteLine(
            $"{Humanize.Count(report.EventRows)} event rows in {report.Seconds:0.0}s: {Humanize.Count((long)report.EventRowsPerSecond)} event rows/s");
        return ExitCodes.Ok;
    }

    /// <summary>What a PostgreSQL failure means for the person running the seed; null for anything unexpected (a bug).</summary>
    private static CliError? Describe(Exception e, string display) => e switch
    {
        PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } =>
            new CliError(ExitCodes.Unauthorized, $"PostgreSQL at {display} refused the login", "check the user and password in --database-url"),
        PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } pg =>
            new CliError(ExitCodes.Unauthorized, $"not allowed: {pg.MessageText}", "seed as the owner of the database (or a superuser)"),
        PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } =>
            new CliError(ExitCodes.NotFound, $"the database in {display} does not exist", "create it first, e.g. createdb"),
        NpgsqlException { InnerException: SocketException or TimeoutException } or NpgsqlException { IsTransient: true } and not PostgresException =>
            new CliError(ExitCodes.Unreachable, $"cannot reach PostgreSQL at {display}: {e.InnerException?.Message ?? e.Message}", "is it running? check host and port in --database-url"),
        _ => null,
    };

    /// <summary>Progress lines on stderr, written as they come (not through a synchronization context).</summary>
    private sealed class StderrProgress(TextWriter error) : IProgress<SeedProgress>
    {
        public void Report(SeedProgress value) =>
            error.WriteLine(
                $"  {Humanize.Count(value.EventRows)} event rows, {Humanize.Count(value.Traces)} traces, {Humanize.Count(value.Rows)} rows in all ({Humanize.Count((long)value.EventRowsPerSecond)} event rows/s)");
    }
}
