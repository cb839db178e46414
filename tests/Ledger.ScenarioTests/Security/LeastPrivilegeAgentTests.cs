using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Restores;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ledger.ScenarioTests.Security;

[Collection(LedgerCollection.Name)]
public sealed class when_an_agent_connects_with_its_least_privilege_role(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task it_runs_a_backup_and_a_restore_end_to_end()
    {
        await using var agent = await LeastPrivilegeAgent.CreateAsync(fixture);
        await agent.StartAsync(fixture);

        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", LeastPrivilegeAgent.Environment,
            "--db", LeastPrivilegeAgent.Database, "--wait", "--timeout", "2m", "--json");
        Assert.True(take.ExitCode == ExitCodes.Ok, $"backup: exit {take.ExitCode}: {take.Error}\n{agent.Logs.All}");
        var backup = JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup;
        Assert.Equal(BackupStatus.Verified, backup.Status);
        Assert.StartsWith(agent.Repository, backup.ArtifactPath);
        Assert.True(File.Exists(backup.ArtifactPath));

        const string target = "lp_app_restored";
        await fixture.Stack.Postgres.DropDatabaseAsync(target);
        var restore = await fixture.RunCliAsync(Roles.Operator, "restore", backup.Id.ToString(), "--target-db", target,
            "--confirm", target, "--env", LeastPrivilegeAgent.Environment, "--wait", "--timeout", "2m", "--json");
        Assert.True(restore.ExitCode == ExitCodes.Ok, $"restore: exit {restore.ExitCode}: {restore.Error}\n{restore.Out}\n{agent.Logs.All}");
        var view = JsonSerializer.Deserialize<RestoreView>(restore.Out, Json)!;
        Assert.Equal(RestoreStatus.Verified, view.Status);

        Assert.Contains(view.Checks, c => c is { Name: CheckNames.Fidelity, Outcome: CheckOutcomes.Passed });
        Assert.Equal(await EventRowsAsync(LeastPrivilegeAgent.Database), await EventRowsAsync(target));

        // Its inbox and outbox are its own schema's, not a schema every agent shares.
        await using var ledger = new NpgsqlConnection(fixture.Stack.LedgerConnectionString);
        await ledger.OpenAsync();
        await using var owner = new NpgsqlCommand(
            "select r.rolname from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_roles r on r.oid = c.relowner " +
            "where c.relname = 'wolverine_incoming_envelopes' and n.nspname = $1", ledger)
        {
            Parameters = { new NpgsqlParameter { Value = agent.Host.Services.GetRequiredService<Agent.Security.AgentAccess>().MessageSchema } },
        };
        Assert.Equal(agent.Role, (string?)await owner.ExecuteScalarAsync());
    }

    private async Task<long> EventRowsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(fixture.Stack.Postgres.ConnectionStringFor(database));
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("select count(*) from public.dg_event_log", connection);
        var rows = (long)(await count.ExecuteScalarAsync())!;
        Assert.True(rows > 0, $"{database} holds no events");
        return rows;
    }

    [Fact]
    public async Task its_role_can_neither_write_nor_read_the_event_store_nor_read_another_environments_queue()
    {
        await using var agent = await LeastPrivilegeAgent.CreateAsync(fixture);
        var queueOfStaging = $"dgledger_queues.wolverine_queue_{Contracts.Agents.Queues.ForEnvironment(LedgerFixture.Environment)}";
        // The staging queue exists (the embedded agent listens on it): the refusal is about rights, not a missing table.
        await LeastPrivilegeAgent.ExecuteAsync(fixture.Stack.LedgerConnectionString, $"select count(*) from {queueOfStaging}");

        foreach (var sql in new[]
                 {
                     "insert into ledger.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type) " +
                     "values (999999999, gen_random_uuid(), gen_random_uuid(), 1, '{}', 'backup_verified', now(), '*DEFAULT*', 'x')",
                     "select count(*) from ledger.mt_events",
                     "select count(*) from ledger.mt_doc_restorepoint",
                     $"select count(*) from {queueOfStaging}",
                     $"delete from {queueOfStaging}",
                     "select count(*) from ledger_messages.wolverine_incoming_envelopes",
                     "select count(*) from dgledger_queues.wolverine_queue_ledger",
                     "create table dgledger_queues.lp_intruder (id int)",
                 })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => LeastPrivilegeAgent.ExecuteAsync(agent.LedgerConnection, sql));
            Assert.True(e.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {e.SqlState} {e.MessageText}");
        }

        // What it may do: read and take its own environment's commands, and send reports.
        await LeastPrivilegeAgent.ExecuteAsync(agent.LedgerConnection, $"select count(*) from {LeastPrivilegeAgent.QueueTable}");
        await LeastPrivilegeAgent.ExecuteAsync(agent.LedgerConnection, $"delete from {LeastPrivilegeAgent.QueueTable} where false");
    }

    [Fact]
    public async Task the_cli_prints_the_script_with_its_variables_and_refuses_names_that_are_not_identifiers()
    {
        var grants = await fixture.RunCliAsync(null, "agents", "grants", "--env", "prod", "--role", "dgledger_agent_prod", "--message-schema", "agent_prod_1");
        Assert.Equal(0, grants.ExitCode);
        Assert.Contains("\\set role dgledger_agent_prod", grants.Out);
        Assert.Contains("\\set environment prod", grants.Out);
        Assert.Contains("GRANT INSERT ON dgledger_queues.wolverine_queue_ledger", grants.Out);

        var bad = await fixture.RunCliAsync(null, "agents", "grants", "--env", "prod", "--role", "x; drop table y", "--message-schema", "agent_prod_1");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("--role", bad.Error);
        Assert.Equal("", bad.Out);
    }

    [Fact]
    public async Task without_its_grants_it_does_not_start_and_says_what_is_missing()
    {
        await using var agent = await LeastPrivilegeAgent.CreateAsync(fixture, grant: false);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => agent.Host.StartAsync());

        Assert.Contains("lacks what it needs in the ledger's database", e.Message);
        Assert.Contains("USAGE on schema dgledger_queues", e.Message);
        Assert.Contains($"SELECT, INSERT, UPDATE, DELETE on {LeastPrivilegeAgent.QueueTable}", e.Message);
        Assert.Contains("INSERT on dgledger_queues.wolverine_queue_ledger", e.Message);
        Assert.Contains("deploy/sql/agent-role.sql", e.Message);
        Assert.DoesNotContain(agent.Password, e.Message);
    }
}
