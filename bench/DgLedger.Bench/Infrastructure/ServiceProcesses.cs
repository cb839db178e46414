using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Ledger.Contracts.Common;

namespace DgLedger.Bench.Infrastructure;

/// <summary>A database the benchmark agent manages (all in one environment).</summary>
public sealed record BenchDatabase(string Name, string ConnectionString);

/// <summary>
/// The ledger (<c>Ledger.Api.dll</c>) and the agent (<c>Ledger.Agent.dll</c>) from the Release build, each in its own
/// process and configured by environment variables only, exactly as an operator would run them.
/// </summary>
public sealed class ServiceProcesses : IAsyncDisposable
{
    public const string Environment = "bench";
    public const string AgentId = "bench-agent";

    private ServiceProcesses(ChildProcess ledger, ChildProcess? agent, LedgerClient client, string token, string repository,
        RepositoryLayout layout, IReadOnlyDictionary<string, string> agentEnvironment, string workDirectory) =>
        (Ledger, Agent, Client, Token, Repository, _layout, _agentEnvironment, _workDirectory) =
        (ledger, agent, client, token, repository, layout, agentEnvironment, workDirectory);

    private readonly RepositoryLayout _layout;
    private readonly IReadOnlyDictionary<string, string> _agentEnvironment;
    private readonly string _workDirectory;

    public ChildProcess Ledger { get; }
    /// <summary>Null when no database was given (the ledger queries need no agent).</summary>
    public ChildProcess? Agent { get; private set; }
    public LedgerClient Client { get; }
    public string Token { get; }
    public string Repository { get; }

    public static async Task<ServiceProcesses> StartAsync(RepositoryLayout layout, string ledgerConnectionString,
        IReadOnlyList<BenchDatabase> databases, string workDirectory, string name, CancellationToken ct)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var port = FreeTcpPort();
        var repository = Path.Combine(workDirectory, "repository");
        Directory.CreateDirectory(repository);

        var ledgerEnvironment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Ledger"] = ledgerConnectionString,
            ["Ledger__SoloNode"] = "true",
            ["Schedules__Enabled"] = "false",
            ["Retention__Enabled"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        // The ledger signs every command for an agent; a key pair per run, the agent given its public half.
        var (signingKey, verifyingKey) = global::Ledger.Api.Security.CommandSigner.GenerateKeyPair();
        ledgerEnvironment["Ledger__CommandSigning__Key"] = signingKey;
        string[] roles = [Roles.Admin, Roles.Operator, Roles.Reader, Roles.Pipeline];
        ledgerEnvironment["Auth__Tokens__0__Name"] = "bench";
        ledgerEnvironment["Auth__Tokens__0__Token"] = token;
        for (var i = 0; i < roles.Length; i++)
        {
            ledgerEnvironment[$"Auth__Tokens__0__Roles__{i}"] = roles[i];
        }

        var clock = Stopwatch.StartNew();
        var ledger = ChildProcess.StartDotnet(name, layout.LedgerDll, ["--urls", $"http://127.0.0.1:{port}"],
            ledgerEnvironment, Path.Combine(workDirectory, "logs", name + ".log"));
        ChildProcess? agent = null;
        var client = new LedgerClient(new Uri($"http://127.0.0.1:{port}"), token);
        try
        {
            await WaitAsync(() => client.IsHealthyAsync(ct), ledger, "the ledger to answer /healthz", TimeSpan.FromMinutes(3), ct);
            Progress.Say($"{name} (pid {ledger.Id}) answers on port {port} after {clock.Elapsed.TotalSeconds:0.0} s");

            var agentEnvironment = new Dictionary<string, string>
            {
                ["ConnectionStrings__Ledger"] = ledgerConnectionString,
                ["Agent__Id"] = AgentId,
                ["Agent__Repository"] = repository,
                ["Agent__SoloNode"] = "true",
                ["Agent__CommandSigning__PublicKey"] = verifyingKey,
                ["Agent__HeartbeatInterval"] = "00:00:05",
                ["Logging__LogLevel__Default"] = "Warning",
            };
            for (var i = 0; i < databases.Count; i++)
            {
                agentEnvironment[$"Agent__Databases__{i}__Name"] = databases[i].Name;
                agentEnvironment[$"Agent__Databases__{i}__Environment"] = Environment;
                agentEnvironment[$"Agent__Databases__{i}__ConnectionString"] = databases[i].ConnectionString;
                agentEnvironment[$"Agent__Databases__{i}__Schedule"] = "off";
            }

            if (databases.Count == 0)
            {
                return new ServiceProcesses(ledger, null, client, token, repository, layout, agentEnvironment, workDirectory);
            }

            agent = await StartAgentAsync(layout, agentEnvironment, client, Path.Combine(workDirectory, "logs", "agent.log"), ct);
            return new ServiceProcesses(ledger, agent, client, token, repository, layout, agentEnvironment, workDirectory);
        }
        catch
        {
            client.Dispose();
            if (agent is not null)
            {
                await agent.DisposeAsync();
            }

            await ledger.DisposeAsync();
            throw;
        }
    }

    private static async Task<ChildProcess> StartAgentAsync(RepositoryLayout layout, IReadOnlyDictionary<string, string> environment,
        LedgerClient client, string logPath, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var agent = ChildProcess.StartDotnet("agent", layout.AgentDll, [], environment, logPath);
        try
        {
            var startedAt = DateTimeOffset.UtcNow;
            // A restarted agent keeps its id: wait for a heartbeat from the new process, not the old one's last.
            await WaitAsync(async () => (await client.AgentsAsync(ct)).Any(a => a.Id == AgentId && a.LastHeartbeat >= startedAt), agent,
                "the ledger to hear the agent's heartbeat", TimeSpan.FromMinutes(3), ct);
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }

        Progress.Say($"agent (pid {agent.Id}) heard by the ledger after {clock.Elapsed.TotalSeconds:0.0} s");
        return agent;
    }

    /// <summary>
    /// Stops the agent and starts it again with <paramref name="overrides"/> over its first configuration (another
    /// repository, an encryption key): same id, same queue, its own log <c>logs/agent-<paramref name="label"/>.log</c>.
    /// </summary>
    public async Task RestartAgentAsync(IReadOnlyDictionary<string, string> overrides, string label, CancellationToken ct)
    {
        if (Agent is not null)
        {
            await Agent.DisposeAsync();
            Agent = null;
        }

        var environment = new Dictionary<string, string>(_agentEnvironment);
        foreach (var (key, value) in overrides)
        {
            environment[key] = value;
        }

        Agent = await StartAgentAsync(_layout, environment, Client, Path.Combine(_workDirectory, "logs", $"agent-{label}.log"), ct);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, ChildProcess process, string what, TimeSpan timeout,
        CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The {process.Name} exited while waiting for {what}:{System.Environment.NewLine}{process.LogTail()}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Gave up waiting for {what} after {timeout}:{System.Environment.NewLine}{process.LogTail()}");
            }

            await Task.Delay(200, ct);
        }
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (Agent is not null)
        {
            await Agent.DisposeAsync();
        }

        await Ledger.DisposeAsync();
    }
}
