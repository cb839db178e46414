using System.Security.Cryptography;
using Ledger.Agent;
using Ledger.Postgres;
using Ledger.Testing.Stack;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ledger.ScenarioTests.Security;

/// <summary>
/// A second agent, in its own environment (<see cref="Environment"/>, whose queue the fixture's ledger provisions through
/// Ledger:AgentEnvironments), connecting to the ledger's database as a LOGIN role that has only what
/// deploy/sql/agent-role.sql grants, with Agent:AutoProvision off. Its logs are captured.
/// </summary>
public sealed class LeastPrivilegeAgent : IAsyncDisposable
{
    public const string Environment = "lp-prod";
    public const string Database = "lp_app";
    public const string AgentId = "lp-agent";
    public static readonly string QueueTable = $"dgledger_queues.wolverine_queue_{Ledger.Contracts.Agents.Queues.ForEnvironment(Environment)}";

    private LeastPrivilegeAgent(string role, string password, string ledgerConnection, string repository, IHost host, CapturedLogs logs)
    {
        Role = role;
        Password = password;
        LedgerConnection = ledgerConnection;
        Repository = repository;
        Host = host;
        Logs = logs;
    }

    public string Role { get; }
    public string Password { get; }

    /// <summary>The ledger's database, as the agent's role.</summary>
    public string LedgerConnection { get; }

    public string Repository { get; }
    public IHost Host { get; }
    public CapturedLogs Logs { get; }

    /// <summary>
    /// A LOGIN role (new per call) with a random password, given the script's grants for <see cref="Environment"/> when
    /// <paramref name="grant"/>; the agent is built but not started.
    /// </summary>
    public static async Task<LeastPrivilegeAgent> CreateAsync(LedgerFixture fixture, bool grant = true)
    {
        var stack = fixture.Stack;
        var role = "lp_agent_" + Guid.NewGuid().ToString("N")[..8];
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await ExecuteAsync(stack.LedgerConnectionString, $"CREATE ROLE {role} LOGIN PASSWORD '{password}'");
        var schema = Agent.Security.AgentAccess.DefaultMessageSchema(AgentId) + "_" + role[^8..];
        if (grant)
        {
            // As an operator would: `dgledger agents grants ... | psql` (deploy/sql/agent-role.sql with its variables set).
            var sql = await fixture.RunCliAsync(null, "agents", "grants", "--env", Environment, "--role", role, "--message-schema", schema);
            Assert.True(sql.ExitCode == 0, $"agents grants: exit {sql.ExitCode}: {sql.Error}");
            var result = await PgProcessRunner.Default.RunAsync(new PgCommand(PgToolPaths.Locate().Psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1"])
            {
                ConnectionString = stack.LedgerConnectionString,
                StandardInput = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(sql.Out)),
            });
            Assert.True(result.Succeeded, $"agent-role.sql: exit {result.ExitCode}: {result.StderrTail}");
        }

        var source = await EnsureSourceAsync(stack);
        var ledgerConnection = new NpgsqlConnectionStringBuilder(stack.LedgerConnectionString)
        {
            Username = role,
            Password = password,
        }.ConnectionString;
        var repository = Path.Combine(Path.GetTempPath(), "dgledger-repo-lp-" + Guid.NewGuid().ToString("N")[..8]);
        var logs = new CapturedLogs();
        var host = AgentHost.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Ledger"] = ledgerConnection,
                ["Agent:Id"] = AgentId,
                ["Agent:Repository"] = repository,
                ["Agent:SoloNode"] = "true",
                ["Agent:AutoProvision"] = "false",
                ["Agent:MessageSchema"] = schema,
                ["Agent:HeartbeatInterval"] = "00:00:05",
                ["Agent:CommandSigning:PublicKey"] = stack.CommandKeys.PublicKey,
                ["Agent:Databases:0:Name"] = Database,
                ["Agent:Databases:0:Environment"] = Environment,
                ["Agent:Databases:0:ConnectionString"] = source,
                ["Agent:Databases:0:Schedule"] = "off",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Ledger"] = "Information",
            });
            b.Logging.AddProvider(logs);
        });
        return new LeastPrivilegeAgent(role, password, ledgerConnection, repository, host, logs);
    }

    /// <summary>Starts the agent and waits until the ledger has heard it.</summary>
    public async Task StartAsync(LedgerFixture fixture)
    {
        await Host.StartAsync();
        using var client = fixture.Stack.Client(Contracts.Common.Roles.Reader);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (DateTimeOffset.UtcNow < deadline)
        {
            var agents = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<List<Contracts.Agents.AgentStatus>>(client, "/api/v1/agents");
            if (agents?.Any(a => a.Id == AgentId && a.LastHeartbeat > DateTimeOffset.UtcNow.AddSeconds(-30)) == true)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("The ledger did not hear from the least-privilege agent.");
    }

    private static async Task<string> EnsureSourceAsync(EmbeddedStack stack)
    {
        await using var connection = new NpgsqlConnection(stack.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("select count(*) from pg_database where datname = $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = Database } },
        };
        return (long)(await exists.ExecuteScalarAsync())! > 0
            ? stack.Postgres.ConnectionStringFor(Database)
            : await Restores.DecisionGraphSources.HealthyAsync(stack.Postgres, Database, Restores.DecisionGraphSources.SchemaPath());
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }

        Host.Dispose();
        if (Directory.Exists(Repository))
        {
            Directory.Delete(Repository, recursive: true);
        }
    }
}
