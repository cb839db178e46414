using Ledger.Testing.Stack;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.FaultTests;

/// <summary>
/// One stack for the fault suite: a private PostgreSQL and the ledger on a loopback port, with no agent inside; each
/// test runs the agent as its own process (<see cref="AgentProcess"/>) and kills it.
/// </summary>
public sealed class FaultFixture : IAsyncLifetime
{
    public const string Environment = "faults";
    public const string Database = "app";
    /// <summary>A managed restore target whose connection settings are not the defaults (CONNECTION LIMIT 7).</summary>
    public const string Target = "app_restored";
    public const int TargetConnectionLimit = 7;

    /// <summary>The ledger's operation lease here: longer than an agent's restart, short enough to wait for.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    public EmbeddedStack Stack { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var off = new Dictionary<string, string?> { ["Schedule"] = "off" };
        Stack = await EmbeddedStack.StartAsync(async pg =>
        {
            // DecisionGraph's real schema (fixtures/decisiongraph/schema.sql), so that a restore of it verifies.
            var source = await pg.CreateDatabaseAsync(Database);
            await DecisionGraph.Double.RealSchemaSample.CreateAsync(source, SchemaPath(), overdueWorkflow: false);
            var target = await pg.CreateDatabaseAsync(Target);
            await using (var connection = new Npgsql.NpgsqlConnection(pg.ConnectionString))
            {
                await connection.OpenAsync();
                await using var alter = new Npgsql.NpgsqlCommand($"ALTER DATABASE {Target} CONNECTION LIMIT {TargetConnectionLimit}", connection);
                await alter.ExecuteNonQueryAsync();
            }

            return
            [
                new EmbeddedDatabase(Environment, Database, source, Settings: off),
                new EmbeddedDatabase(Environment, Target, target, Settings: off),
            ];
        }, startAgent: false, ledgerSettings: new Dictionary<string, string?>
        {
            ["Ledger:OperationLease"] = Lease.ToString(),
            ["Ledger:LeaseCheckInterval"] = "00:00:02",
        });
    }

    public async Task DisposeAsync()
    {
        if (_sourceServer is not null)
        {
            await _sourceServer.DisposeAsync();
        }

        await Stack.DisposeAsync();
    }

    /// <summary>The environment of the environmental faults: its databases live on <see cref="SourceServerAsync"/>.</summary>
    public const string SourceEnvironment = "envfaults";
    /// <summary>A database whose dump (about 10 MB, incompressible) is bigger than a small tmpfs and outlasts a pipe buffer.</summary>
    public const string BulkDatabase = "bulk";
    /// <summary>A managed restore target on the same server.</summary>
    public const string BulkTarget = "bulk_restored";

    private readonly SemaphoreSlim _sourceGate = new(1, 1);
    private Ledger.Testing.Postgres.PostgresInstance? _sourceServer;

    /// <summary>
    /// A second private cluster (from the same provisioner) holding <see cref="BulkDatabase"/> and <see cref="BulkTarget"/>,
    /// made on first use: a test may stop it (<see cref="ClusterOutage"/>) while the ledger's own cluster keeps running.
    /// </summary>
    public async Task<Ledger.Testing.Postgres.PostgresInstance> SourceServerAsync()
    {
        await _sourceGate.WaitAsync();
        try
        {
            if (_sourceServer is null)
            {
                var server = await Ledger.Testing.Postgres.PostgresProvisioner.AcquireAsync(
                    new Ledger.Testing.Postgres.PostgresProvisionOptions { PreferLocalCluster = true, EnvironmentVariable = null });
                var bulk = await server.CreateDatabaseAsync(BulkDatabase);
                await server.CreateDatabaseAsync(BulkTarget);
                await using var connection = new Npgsql.NpgsqlConnection(bulk);
                await connection.OpenAsync();
                // 128 random hex digits a row: compresses about 2:1, so 160k rows dump to about 10 MB at --compress=1.
                await using var seed = new Npgsql.NpgsqlCommand(
                    """
                    create table payload (id integer primary key, body text not null);
                    insert into payload select i, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
                      from generate_series(1, 160000) i;
                    create table notes (id integer primary key, note text not null);
                    insert into notes values (1, 'environmental faults');
                    """, connection);
                seed.CommandTimeout = 300;
                await seed.ExecuteNonQueryAsync();
                _sourceServer = server;
            }

            return _sourceServer;
        }
        finally
        {
            _sourceGate.Release();
        }
    }

    /// <summary>The databases of <see cref="SourceEnvironment"/> as an agent manages them.</summary>
    public async Task<IReadOnlyList<EmbeddedDatabase>> SourceDatabasesAsync()
    {
        var server = await SourceServerAsync();
        var off = new Dictionary<string, string?> { ["Schedule"] = "off" };
        return
        [
            new EmbeddedDatabase(SourceEnvironment, BulkDatabase, server.ConnectionStringFor(BulkDatabase), Settings: off),
            new EmbeddedDatabase(SourceEnvironment, BulkTarget, server.ConnectionStringFor(BulkTarget), Settings: off),
        ];
    }

    /// <summary>An agent process for <see cref="SourceEnvironment"/> writing to <paramref name="repository"/> (not started).</summary>
    public async Task<AgentProcess> NewSourceAgentAsync(string agentId, string repository, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = Stack.AgentSettings(await SourceDatabasesAsync(), agentId, repository);
        settings["Logging:LogLevel:Default"] = "Information";
        settings["Logging:LogLevel:Wolverine"] = "Warning";
        settings["Logging:LogLevel:Microsoft"] = "Warning";
        settings["Agent:HeartbeatInterval"] = "00:00:01";
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return AgentProcess.Create(settings);
    }

    public IDocumentStore Store => Stack.Ledger.Services.GetRequiredService<IDocumentStore>();

    /// <summary>A new agent process for this stack's databases, with its own id and repository (not started).</summary>
    public AgentProcess NewAgent(string agentId, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var repository = Path.Combine(Path.GetTempPath(), "dgledger-repo-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = Stack.AgentSettings(Stack.Databases, agentId, repository);
        settings["Logging:LogLevel:Default"] = "Information";
        settings["Logging:LogLevel:Wolverine"] = "Warning";
        settings["Logging:LogLevel:Microsoft"] = "Warning";
        settings["Agent:HeartbeatInterval"] = "00:00:01";
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return AgentProcess.Create(settings);
    }

    private static string SchemaPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "fixtures", "decisiongraph", "schema.sql");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("fixtures/decisiongraph/schema.sql was not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The repository an agent of <see cref="NewAgent"/> writes to (its state directory is inside).</summary>
    public static string RepositoryOf(AgentProcess agent) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(agent.Directory, "appsettings.json")))
            .RootElement.GetProperty("Agent").GetProperty("Repository").GetString()!;
}

[CollectionDefinition(Name)]
public sealed class FaultCollection : ICollectionFixture<FaultFixture>
{
    public const string Name = "faults";
}
