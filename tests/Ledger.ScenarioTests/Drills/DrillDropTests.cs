using System.Text.Json;
using Ledger.Agent;
using Ledger.Agent.Drills;
using Ledger.Agent.Restores;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ledger.ScenarioTests.Drills;

/// <summary>
/// A drill drops only a database its own restore created: the ledger asks only for those (WritesBlocked.TargetCreated),
/// and the agent drops only a database carrying the mark it wrote when it created it for that restore.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_a_drill_ends_its_target_is_dropped_only_if_the_drill_created_it(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private async Task<DrillView> DrillAsync(string target)
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", LedgerFixture.Environment, "--db", LedgerFixture.Database,
            "--wait", "--timeout", "2m", "--json");
        Assert.True(take.ExitCode == 0, take.Error);
        var run = await fixture.RunCliAsync(Roles.Operator, "drills", "run", "--env", LedgerFixture.Environment, "--db", LedgerFixture.Database,
            "--target-db", target, "--timeout", "3m", "--json");
        Assert.False(string.IsNullOrWhiteSpace(run.Out), run.Error);
        var drill = JsonSerializer.Deserialize<DrillView>(run.Out, Json)!;
        return await DrillWaits.SettledAsync(fixture, drill.Id);
    }

    [Fact]
    public async Task a_drill_into_an_existing_unmanaged_database_keeps_it()
    {
        const string target = "app_existing_drill";
        await fixture.Stack.Postgres.DropDatabaseAsync(target);
        await fixture.Stack.Postgres.CreateDatabaseAsync(target);
        await ExecuteAsync(target, "create table other_application (note text); insert into other_application values ('mine')");

        var drill = await DrillAsync(target);

        Assert.True(drill.Status.IsFinal());
        Assert.Equal(DrillTargetOutcome.Kept, drill.TargetOutcome);
        Assert.Contains("existed before the drill", drill.TargetDetail, StringComparison.Ordinal);
        Assert.DoesNotContain("DrillTargetDropped", await DrillWaits.EventTypesAsync(fixture, drill.Id));
        Assert.Equal("mine", await ScalarAsync(target, "select note from other_application"));
        await fixture.Stack.Postgres.DropDatabaseAsync(target);
    }

    [Fact]
    public async Task a_drill_into_a_database_it_created_drops_it()
    {
        const string target = "app_created_drill";
        await fixture.Stack.Postgres.DropDatabaseAsync(target);

        var drill = await DrillAsync(target);

        Assert.Equal(DrillTargetOutcome.Dropped, drill.TargetOutcome);
        Assert.Contains("DrillTargetDropped", await DrillWaits.EventTypesAsync(fixture, drill.Id));
        Assert.Null(await ScalarAsync("postgres", $"select datname::text from pg_database where datname = '{target}'"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("dgledger: created by restore 00000000-0000-0000-0000-000000000001")]
    public async Task a_forged_or_replayed_drop_of_a_database_without_the_drills_mark_is_refused_by_the_agent(string? comment)
    {
        const string target = "app_forged_drop";
        await fixture.Stack.Postgres.DropDatabaseAsync(target);
        await fixture.Stack.Postgres.CreateDatabaseAsync(target);
        if (comment is not null)
        {
            await ExecuteAsync("postgres", $"comment on database {target} is '{comment}'");
        }

        var restoreId = Guid.NewGuid();
        var report = await DropAsync(new DropDrillTarget(Guid.NewGuid(),
            new RestoreTarget(LedgerFixture.Environment, target, LedgerFixture.Database, DatabaseRoles.NonPrimary, false), DateTimeOffset.UtcNow, restoreId));

        var refused = Assert.IsType<DrillTargetDropFailed>(report);
        Assert.Contains("was not created by this drill's restore", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(target, await ScalarAsync("postgres", $"select datname::text from pg_database where datname = '{target}'"));

        // The same drop for the database an agent created for that restore goes ahead.
        await ExecuteAsync("postgres", $"comment on database {target} is '{TargetServer.CreatedMarkerFor(restoreId)}'");
        var dropped = await DropAsync(new DropDrillTarget(Guid.NewGuid(),
            new RestoreTarget(LedgerFixture.Environment, target, LedgerFixture.Database, DatabaseRoles.NonPrimary, false), DateTimeOffset.UtcNow, restoreId));
        Assert.True(Assert.IsType<DrillTargetDropped>(dropped).Existed);
        Assert.Null(await ScalarAsync("postgres", $"select datname::text from pg_database where datname = '{target}'"));
    }

    /// <summary>The agent's drop as its handler runs it, past the signature check (as a replayed or forged message would reach it).</summary>
    private Task<object> DropAsync(DropDrillTarget command)
    {
        var services = fixture.Stack.Agent.Services;
        return DropDrillTargetHandler.DropAsync(command, services.GetRequiredService<AgentOptions>(), services.GetRequiredService<TargetGuards>(),
            TimeProvider.System, NullLogger<DropDrillTarget>.Instance, CancellationToken.None);
    }

    private async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.Stack.Postgres.ConnectionStringFor(database)) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<string?> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.Stack.Postgres.ConnectionStringFor(database)) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync() as string;
    }
}
