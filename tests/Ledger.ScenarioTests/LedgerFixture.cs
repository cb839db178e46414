using Ledger.Cli;
using Ledger.Testing.Stack;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ScenarioTests;

/// <summary>
/// One real stack per test assembly: a private PostgreSQL, the ledger on a loopback port and an agent managing
/// <c>staging/app</c> (a sample database) and <c>broken/gone</c> (a database whose server does not answer).
/// Tests isolate themselves by environment or backup id rather than rebuilding hosts.
/// </summary>
public sealed class LedgerFixture : IAsyncLifetime
{
    public EmbeddedStack Stack { get; private set; } = null!;

    public const string Environment = "staging";
    public const string Database = "app";
    public const string BrokenEnvironment = "broken";
    public const string BrokenDatabase = "gone";
    public const string RetentionEnvironment = "retention";

    // A DecisionGraph database filled by the Bogus seeder.
    public const string SeededEnvironment = "seeded";
    public const string SeededDatabase = "dg_seeded";
    public const int SeededTraces = 400;

    // Restores: a primary DecisionGraph-shaped source, and a managed non-primary target served by the DecisionGraph
    // stand-in (created by the first restore into it).
    public const string RestoreSourceEnvironment = "rs-prod";
    public const string RestoreSourceDatabase = "dg";
    public const string RestoreEnvironment = "rs-test";
    public const string RestoreTarget = "dg_restored";
    public const string DecisionGraphToken = "stand-in-admin-token-5f1e0c";

    /// <summary>The DecisionGraph stand-in serving <see cref="RestoreTarget"/>.</summary>
    public StandIn.DecisionGraphStandIn DecisionGraph { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Stack = await EmbeddedStack.StartAsync(async pg =>
        {
            var app = await EmbeddedStack.CreateSampleSourceAsync(pg, "app");
            var restoreSource = await Restores.DecisionGraphSample.CreateAsync(pg, RestoreSourceDatabase);
            var seeded = await EmbeddedStack.CreateDecisionGraphSourceAsync(pg, SeededDatabase, SeededTraces);
            DecisionGraph = await StandIn.DecisionGraphStandIn.StartAsync(pg.ConnectionStringFor(RestoreTarget), DecisionGraphToken);
            return
        [
            new EmbeddedDatabase(Environment, Database, app),
            new EmbeddedDatabase(SeededEnvironment, SeededDatabase, seeded),
            // The same source seen as another environment, for tests that prune (retention) without touching others.
            new EmbeddedDatabase(RetentionEnvironment, Database, app),
            // Port 1 on loopback: nothing listens, so pg_dump and the snapshot connection fail fast.
            new EmbeddedDatabase(BrokenEnvironment, BrokenDatabase,
                "Host=127.0.0.1;Port=1;Username=nobody;Password=not-a-real-secret-42;Database=gone;Timeout=3"),
            new EmbeddedDatabase(RestoreSourceEnvironment, RestoreSourceDatabase, restoreSource, Ledger.Contracts.Agents.DatabaseRoles.Primary),
            new EmbeddedDatabase(RestoreEnvironment, RestoreTarget, pg.ConnectionStringFor(RestoreTarget), Ledger.Contracts.Agents.DatabaseRoles.NonPrimary,
                new Dictionary<string, string?>
                {
                    ["DecisionGraphUrl"] = DecisionGraph.Url.ToString(),
                    ["DecisionGraphToken"] = DecisionGraphToken,
                    ["RebuildTimeout"] = "00:00:03",
                }),
        ];
        });
    }

    public async Task DisposeAsync()
    {
        await Stack.DisposeAsync();
        if (DecisionGraph is not null)
        {
            await DecisionGraph.DisposeAsync();
        }
    }

    public IDocumentStore Store => Stack.Ledger.Services.GetRequiredService<IDocumentStore>();

    /// <summary>Runs the real CLI in-process against the stack and captures what it prints.</summary>
    public async Task<CliRun> RunCliAsync(string? role, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new Dictionary<string, string?>
        {
            ["DGLEDGER_URL"] = Stack.LedgerUrl.ToString(),
            ["DGLEDGER_TOKEN"] = role is null ? null : Stack.Tokens[role],
        };
        var code = await CliApp.RunAsync(args, new CliOverrides
        {
            Out = stdout,
            Error = stderr,
            Environment = name => env.GetValueOrDefault(name),
        });
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Total events in the ledger: proves that a refused request appended nothing.</summary>
    public async Task<long> EventCountAsync()
    {
        await using var session = Store.QuerySession();
        return await session.Events.QueryAllRawEvents().CountAsync();
    }
}

public sealed record CliRun(int ExitCode, string Out, string Error);

[CollectionDefinition(Name)]
public sealed class LedgerCollection : ICollectionFixture<LedgerFixture>
{
    public const string Name = "ledger";
}
