using Ledger.Client;
using Ledger.Testing.Postgres;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Ledger.Agent;
using Ledger.Api;
using Ledger.Contracts.Agents;
using Ledger.Postgres;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Ledger.Testing.Stack;

/// <summary>
/// A database an embedded agent should manage. <see cref="Settings"/> are further keys of its
/// <c>Agent:Databases:N</c> section (e.g. <c>DecisionGraphUrl</c>).
/// </summary>
public sealed record EmbeddedDatabase(string Environment, string Name, string ConnectionString, string Role = DatabaseRoles.NonPrimary,
    IReadOnlyDictionary<string, string?>? Settings = null);

/// <summary>
/// Everything DgLedger needs, on one machine, with no configuration: a private PostgreSQL (from
/// <see cref="PostgresProvisioner"/>), the ledger on a loopback port, and one agent. Used by <c>dgledger demo</c>
/// and by the scenario tests, so both exercise the same real parts.
/// </summary>
public sealed class EmbeddedStack : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private string _logLevel = "Warning";

    private EmbeddedStack(PostgresInstance postgres, string repository) => (Postgres, Repository) = (postgres, repository);

    public PostgresInstance Postgres { get; }
    public string Repository { get; }
    public WebApplication Ledger { get; private set; } = null!;
    public IHost Agent { get; private set; } = null!;
    public Uri LedgerUrl { get; private set; } = null!;
    public string LedgerConnectionString { get; private set; } = "";

    /// <summary>The managed databases the stack was started with.</summary>
    public IReadOnlyList<EmbeddedDatabase> Databases { get; private set; } = [];

    /// <summary>Token name -> (token, roles). Tokens are random per stack and never printed.</summary>
    public IReadOnlyDictionary<string, string> Tokens { get; private set; } = new Dictionary<string, string>();

    public const string AgentId = "embedded-agent";

    /// <summary>
    /// The ledger's command-signing key pair of this run (PEM), made at start: the ledger signs with the private key, agents
    /// trust the public one, so the stack needs no key setup. Never printed.
    /// </summary>
    public (string PrivateKey, string PublicKey) CommandKeys { get; } = global::Ledger.Api.Security.CommandSigner.GenerateKeyPair();

    /// <summary>Starts the whole chain and waits until the ledger has heard the agent's first heartbeat.</summary>
    public static async Task<EmbeddedStack> StartAsync(
        Func<PostgresInstance, Task<IReadOnlyList<EmbeddedDatabase>>> databases,
        Action<string>? progress = null,
        string? repository = null,
        string logLevel = "Warning",
        CancellationToken ct = default,
        IReadOnlyDictionary<string, string?>? ledgerSettings = null,
        bool startAgent = true)
    {
        progress ??= _ => { };
        progress("Starting a private PostgreSQL");
        var postgres = await PostgresProvisioner.AcquireAsync(progress: progress, ct: ct);
        repository ??= Path.Combine(Path.GetTempPath(), "dgledger-repo-" + Guid.NewGuid().ToString("N")[..8]);
        var stack = new EmbeddedStack(postgres, repository) { _logLevel = logLevel };
        try
        {
            var managed = await databases(postgres);
            stack.Databases = managed;
            stack.LedgerConnectionString = await postgres.CreateDatabaseAsync("dgledger_" + Guid.NewGuid().ToString("N")[..8], ct);
            stack.Tokens = Roles().ToDictionary(r => r, _ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));

            progress("Starting the ledger");
            stack.Ledger = LedgerHost.Build([], b =>
            {
                b.WebHost.UseUrls("http://127.0.0.1:0");
                b.Configuration.AddInMemoryCollection(stack.LedgerSettings());
                // Further ledger keys (e.g. Notifications:Webhooks) a caller needs on top of the defaults.
                b.Configuration.AddInMemoryCollection(ledgerSettings ?? new Dictionary<string, string?>());
            });
            await stack.Ledger.StartAsync(ct);
            stack._owned.Add(stack.Ledger);
            var address = stack.Ledger.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            stack.LedgerUrl = new Uri(address);

            if (!startAgent)
            {
                // The caller runs its agents itself (e.g. as separate processes, AgentProcess) with AgentSettings.
                return stack;
            }

            progress($"Starting agent '{AgentId}' for {string.Join(", ", managed.Select(m => $"{m.Environment}/{m.Name}"))}");
            stack.Agent = AgentHost.Build([], b => b.Configuration.AddInMemoryCollection(stack.AgentSettings(managed)));
            await stack.Agent.StartAsync(ct);
            stack._owned.Add((IAsyncDisposable)stack.Agent);

            await stack.WaitForAgentAsync(ct);
            progress($"Ledger at {stack.LedgerUrl} heard the agent");
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>An HTTP client for the ledger carrying the token of <paramref name="role"/> (or none).</summary>
    public HttpClient Client(string? role = null) => LedgerHttp.CreateHttpClient(LedgerUrl, role is null ? null : Tokens[role]);

    /// <summary>Creates a database with the DecisionGraph schema, seeded deterministically by the Bogus seeder.</summary>
    public static async Task<string> CreateDecisionGraphSourceAsync(PostgresInstance postgres, string name, int traces, CancellationToken ct = default)
    {
        var connectionString = await postgres.CreateDatabaseAsync(name, ct);
        await DecisionGraph.Fixtures.DecisionGraphSeeder.SeedAsync(connectionString, new DecisionGraph.Fixtures.SeedOptions { Traces = traces }, ct: ct);
        return connectionString;
    }

    /// <summary>Creates a small sample source database with DecisionGraph-shaped tables.</summary>
    public static async Task<string> CreateSampleSourceAsync(PostgresInstance postgres, string name, CancellationToken ct = default)
    {
        var connectionString = await postgres.CreateDatabaseAsync(name, ct);
        await using var stream = typeof(EmbeddedStack).Assembly.GetManifestResourceStream("demo-source.sql")!;
        var sql = await new StreamReader(stream).ReadToEndAsync(ct);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
        return connectionString;
    }

    private static IEnumerable<string> Roles() => global::Ledger.Contracts.Common.Roles.All;

    private Dictionary<string, string?> LedgerSettings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ledger"] = LedgerConnectionString,
            ["Ledger:SoloNode"] = "true",
            ["Ledger:CommandSigning:Key"] = CommandKeys.PrivateKey,
            // No background schedule ticks: the demo shows one manual backup, and tests tick the schedule explicitly.
            ["Schedules:Enabled"] = "false",
            ["Retention:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = _logLevel,
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        var i = 0;
        foreach (var (role, token) in Tokens)
        {
            settings[$"Auth:Tokens:{i}:Name"] = $"embedded-{role}";
            settings[$"Auth:Tokens:{i}:Token"] = token;
            settings[$"Auth:Tokens:{i}:Roles:0"] = role;
            i++;
        }

        return settings;
    }

    /// <summary>
    /// Starts a further agent in this process (its own host, queues and settings, e.g. a bucket repository or keys) for
    /// <paramref name="managed"/>, and waits until the ledger heard it. The caller stops and disposes it.
    /// </summary>
    public async Task<IHost> StartAgentAsync(string agentId, IReadOnlyList<EmbeddedDatabase> managed, IReadOnlyDictionary<string, string?> settings,
        Action<HostApplicationBuilder>? configure = null, CancellationToken ct = default)
    {
        var host = AgentHost.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(AgentSettings(managed, agentId));
            b.Configuration.AddInMemoryCollection(settings);
            configure?.Invoke(b);
        });
        await host.StartAsync(ct);
        await WaitForHeartbeatAsync(agentId, DateTimeOffset.MinValue, TimeSpan.FromSeconds(60), ct);
        return host;
    }

    /// <summary>
    /// The configuration of an agent managing <paramref name="managed"/> for this stack (the embedded agent's, or one a
    /// test runs itself, with its own id and repository).
    /// </summary>
    public Dictionary<string, string?> AgentSettings(IReadOnlyList<EmbeddedDatabase> managed, string agentId = AgentId, string? repository = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ledger"] = LedgerConnectionString,
            ["Agent:Id"] = agentId,
            ["Agent:Repository"] = repository ?? Repository,
            ["Agent:SoloNode"] = "true",
            ["Agent:CommandSigning:PublicKey"] = CommandKeys.PublicKey,
            ["Agent:HeartbeatInterval"] = "00:00:05",
            ["Logging:LogLevel:Default"] = _logLevel,
        };
        for (var i = 0; i < managed.Count; i++)
        {
            settings[$"Agent:Databases:{i}:Name"] = managed[i].Name;
            settings[$"Agent:Databases:{i}:Environment"] = managed[i].Environment;
            settings[$"Agent:Databases:{i}:ConnectionString"] = managed[i].ConnectionString;
            settings[$"Agent:Databases:{i}:Role"] = managed[i].Role;
            foreach (var (key, value) in managed[i].Settings ?? new Dictionary<string, string?>())
            {
                settings[$"Agent:Databases:{i}:{key}"] = value;
            }
        }

        return settings;
    }

    private Task WaitForAgentAsync(CancellationToken ct) => WaitForHeartbeatAsync(AgentId, DateTimeOffset.MinValue, TimeSpan.FromSeconds(60), ct);

    /// <summary>Waits until the ledger has heard a heartbeat of <paramref name="agentId"/> received after <paramref name="after"/>.</summary>
    public async Task WaitForHeartbeatAsync(string agentId, DateTimeOffset after, TimeSpan timeout, CancellationToken ct = default)
    {
        using var client = Client(Contracts.Common.Roles.Reader);
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var agents = await client.GetFromJsonAsync<List<AgentStatus>>("/api/v1/agents", ct);
            if (agents?.Any(a => a.Id == agentId && a.LastHeartbeat > after) == true)
            {
                return;
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"The ledger did not hear from agent '{agentId}' within {timeout.TotalSeconds:0} seconds.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            try
            {
                if (owned is IHost host)
                {
                    await host.StopAsync(TimeSpan.FromSeconds(10));
                }

                await owned.DisposeAsync();
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        await Postgres.DisposeAsync();
        try
        {
            if (Directory.Exists(Repository) && Repository.Contains("dgledger-repo-", StringComparison.Ordinal))
            {
                Directory.Delete(Repository, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }
}
