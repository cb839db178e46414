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

    public EmbeddedStack Stack { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Stack = await EmbeddedStack.StartAsync(async pg =>
        [
            new EmbeddedDatabase(Environment, Database, await EmbeddedStack.CreateSampleSourceAsync(pg, Database),
                Settings: new Dictionary<string, string?> { ["Schedule"] = "off" }),
        ], startAgent: false);
    }

    public Task DisposeAsync() => Stack.DisposeAsync().AsTask();

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

        var agent = AgentProcess.Create(settings);
        Repositories[agent] = repository;
        return agent;
    }

    public Dictionary<AgentProcess, string> Repositories { get; } = [];
}

[CollectionDefinition(Name)]
public sealed class FaultCollection : ICollectionFixture<FaultFixture>
{
    public const string Name = "faults";
}
