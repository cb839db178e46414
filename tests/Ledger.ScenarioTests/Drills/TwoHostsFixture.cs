using Ledger.Contracts.Agents;
using Ledger.Testing.Stack;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ScenarioTests.Drills;

/// <summary>
/// Two hosts that share nothing but a bucket: a private PostgreSQL and the ledger (no agent inside), an s3rver on
/// loopback, and two agents as their own processes, each with its own repository directory and the same bucket as its
/// copy repository: <c>prod-agent</c> serves <c>prod/dg_prod</c> (a DecisionGraph database, primary),
/// <c>staging-agent</c> serves <c>staging/dg_staging</c> (an empty non-primary database, the drill targets' host).
/// </summary>
public sealed class TwoHostsFixture : IAsyncLifetime
{
    public const string Prod = "prod";
    public const string ProdDatabase = "dg_prod";
    public const string Staging = "staging";
    public const string StagingDatabase = "dg_staging";
    public const string ProdAgentId = "prod-agent";
    public const string StagingAgentId = "staging-agent";
    public const string Bucket = "dgledger-offsite";
    public const string BucketRepository = "s3://" + Bucket + "/drills";

    public EmbeddedStack Stack { get; private set; } = null!;
    public S3Server S3 { get; private set; } = null!;
    public AgentProcess ProdAgent { get; private set; } = null!;
    public AgentProcess StagingAgent { get; private set; } = null!;
    public string ProdRepository { get; } = NewDirectory("prod");
    public string StagingRepository { get; } = NewDirectory("staging");

    /// <summary>A host's own repository directory, created (0700) as an operator would before starting its agent.</summary>
    private static string NewDirectory(string host)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"dgledger-repo-{host}-" + Guid.NewGuid().ToString("N")[..8]);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return directory;
    }

    public async Task InitializeAsync()
    {
        S3 = await S3Server.StartAsync([Bucket]);
        Stack = await EmbeddedStack.StartAsync(async pg =>
        [
            new EmbeddedDatabase(Prod, ProdDatabase, await EmbeddedStack.CreateDecisionGraphSourceAsync(pg, ProdDatabase, 150), DatabaseRoles.Primary,
                new Dictionary<string, string?> { ["Schedule"] = "off" }),
            new EmbeddedDatabase(Staging, StagingDatabase, await pg.CreateDatabaseAsync(StagingDatabase), DatabaseRoles.NonPrimary,
                new Dictionary<string, string?> { ["Schedule"] = "off" }),
        ], startAgent: false);

        ProdAgent = NewAgent(ProdAgentId, [Stack.Databases[0]], ProdRepository);
        StagingAgent = NewAgent(StagingAgentId, [Stack.Databases[1]], StagingRepository);
        var started = DateTimeOffset.UtcNow;
        await Task.WhenAll(ProdAgent.StartAsync(), StagingAgent.StartAsync());
        await Stack.WaitForHeartbeatAsync(ProdAgentId, started, TimeSpan.FromSeconds(90));
        await Stack.WaitForHeartbeatAsync(StagingAgentId, started, TimeSpan.FromSeconds(90));
    }

    private AgentProcess NewAgent(string agentId, IReadOnlyList<EmbeddedDatabase> managed, string repository)
    {
        var settings = Stack.AgentSettings(managed, agentId, repository);
        // Two agents on one message store: a cluster (each its own node), as production agents run, not two solo nodes.
        settings["Agent:SoloNode"] = "false";
        settings["Agent:HeartbeatInterval"] = "00:00:02";
        settings["Agent:WorkDirectory"] = repository + "-work";
        settings["Agent:Copies:0"] = BucketRepository;
        settings["Logging:LogLevel:Default"] = "Information";
        settings["Logging:LogLevel:Wolverine"] = "Warning";
        settings["Logging:LogLevel:Microsoft"] = "Warning";
        foreach (var (key, value) in S3.AgentSettings())
        {
            settings[key] = value;
        }

        // s3rver knows one access key id (its default account); the secret stays the server's random one.
        settings["Agent:S3:AccessKeyId"] = "S3RVER";

        return AgentProcess.Create(settings);
    }

    public async Task DisposeAsync()
    {
        foreach (var agent in new[] { ProdAgent, StagingAgent })
        {
            if (agent is not null)
            {
                await agent.DisposeAsync();
            }
        }

        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }

        if (S3 is not null)
        {
            await S3.DisposeAsync();
        }

        foreach (var directory in new[] { ProdRepository, StagingRepository, ProdRepository + "-work", StagingRepository + "-work" })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>Where the staging agent downloads artifacts for its restores.</summary>
    public static string StagingWork(TwoHostsFixture fixture) => fixture.StagingRepository + "-work";

    public IDocumentStore Store => Stack.Ledger.Services.GetRequiredService<IDocumentStore>();

    public Task<CliRun> RunCliAsync(string? role, params string[] args) => LedgerFixture.RunCliAsync(Stack, role, args);
}

[CollectionDefinition(Name)]
public sealed class TwoHostsCollection : ICollectionFixture<TwoHostsFixture>
{
    public const string Name = "two-hosts";
}
