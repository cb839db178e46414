using System.Net.Http.Json;
using System.Text.Json;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Restores;
using Ledger.Testing.Stack;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Ledger.ScenarioTests.Restores;

/// <summary>
/// Further agents on the shared stack for the safeguard scenarios (owner role, per-target locks), each with its own
/// environments, started by a test and stopped at its end; and what those scenarios share.
/// </summary>
public sealed class SafeguardAgents(LedgerFixture fixture) : IAsyncDisposable
{
    private readonly List<IHost> _agents = [];

    public EmbeddedStack Stack => fixture.Stack;

    public async Task<IHost> StartAsync(string agentId, IReadOnlyList<EmbeddedDatabase> databases, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = await fixture.Stack.StartAgentAsync(agentId, databases, settings ?? new Dictionary<string, string?>());
        _agents.Add(host);
        return host;
    }

    public static IReadOnlyDictionary<string, string?> Off(IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?> { ["Schedule"] = "off" };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Creates <paramref name="name"/> afresh (dropped first when a previous run left it).</summary>
    public async Task<string> FreshDatabaseAsync(string name)
    {
        await fixture.Stack.Postgres.DropDatabaseAsync(name);
        return await fixture.Stack.Postgres.CreateDatabaseAsync(name);
    }

    public async Task<RestorePoint> BackupAsync(string environment, string database)
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", environment, "--db", database, "--wait", "--timeout", "2m", "--json");
        Assert.True(take.ExitCode == 0, $"backup: exit {take.ExitCode}: {take.Error}{take.Out}");
        return JsonSerializer.Deserialize<BackupDetail>(take.Out, RestoreScenario.Json)!.Backup;
    }

    /// <summary>Requests a restore over HTTP (no waiting) and returns its id.</summary>
    public async Task<Guid> RequestAsync(Guid backupId, string environment, string target)
    {
        using var op = fixture.Stack.Client(Roles.Operator);
        var response = await op.PostAsJsonAsync("/api/v1/restores", new RequestRestore(backupId, target, target, environment));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<RestoreAccepted>(RestoreScenario.Json))!.RestoreId;
    }

    public Task<CliRun> RestoreAsync(Guid backupId, string environment, string target) =>
        fixture.RunCliAsync(Roles.Operator, "restore", backupId.ToString(), "--target-db", target, "--confirm", target, "--env", environment,
            "--wait", "--timeout", "2m", "--json");

    /// <summary>Waits until the restore reaches a final state and returns it.</summary>
    public async Task<RestoreView> FinishedAsync(Guid restoreId)
    {
        using var reader = fixture.Stack.Client(Roles.Reader);
        var deadline = DateTimeOffset.UtcNow.AddMinutes(2);
        while (true)
        {
            var view = (await reader.GetFromJsonAsync<RestoreView>($"/api/v1/restores/{restoreId}", RestoreScenario.Json))!;
            if (view.Status is RestoreStatus.Verified or RestoreStatus.VerificationFailed or RestoreStatus.Failed or RestoreStatus.Refused)
            {
                return view;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"restore {restoreId} still {view.Status} after 2 minutes");
            await Task.Delay(100);
        }
    }

    public async Task<TargetSettings> SettingsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(fixture.Stack.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select datallowconn, datconnlimit from pg_database where datname = $1", connection)
        {
            Parameters = { new() { Value = database } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new TargetSettings(true, reader.GetBoolean(0), reader.GetInt32(1)) : new TargetSettings(false, null, null);
    }

    public async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.Stack.Postgres.ConnectionStringFor(database))
        {
            Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _agents)
        {
            await host.StopAsync(TimeSpan.FromSeconds(10));
            host.Dispose();
        }
    }
}
