using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Npgsql;

namespace Ledger.ScenarioTests.Restores;

/// <summary>
/// One server holds several environments (as small installs do): rs-prod/dg is a primary, rs-test/dg_restored a
/// non-primary. Naming production's primary from another environment must not reach it.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_a_target_names_a_database_managed_in_another_environment(LedgerFixture fixture)
{
    private readonly RestoreScenario _scenario = new(fixture);

    [Fact]
    public async Task a_pipeline_token_cannot_restore_over_another_environments_primary_by_naming_it()
    {
        var backup = await _scenario.TakeSourceBackupAsync();
        var rowsBefore = await EventRowsAsync(LedgerFixture.RestoreSourceDatabase);

        using var pipeline = fixture.Stack.Client(Roles.Pipeline);
        var response = await pipeline.PostAsJsonAsync("/api/v1/restores", new RequestRestore(backup.Id,
            LedgerFixture.RestoreSourceDatabase, LedgerFixture.RestoreSourceDatabase, LedgerFixture.RestoreEnvironment));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(Interlocks.ManagedElsewhere, problem.GetProperty("interlock").GetString());
        Assert.Contains($"{LedgerFixture.RestoreSourceEnvironment}/{LedgerFixture.RestoreSourceDatabase} (primary)",
            problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(rowsBefore, await EventRowsAsync(LedgerFixture.RestoreSourceDatabase));
    }

    [Theory]
    [InlineData("template1", "system database")]
    [InlineData("not a name!", "valid PostgreSQL identifier")]
    public async Task a_drill_into_a_system_database_or_an_invalid_name_is_refused_with_400_and_nothing_appended(string target, string reason)
    {
        var before = await fixture.EventCountAsync();
        using var op = fixture.Stack.Client(Roles.Operator);
        var response = await op.PostAsJsonAsync("/api/v1/drills",
            new RequestDrill(LedgerFixture.Environment, LedgerFixture.Database, target));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.EventCountAsync());
    }

    [Fact]
    public async Task a_drill_into_a_managed_database_is_refused_and_the_database_is_left_alone()
    {
        using var op = fixture.Stack.Client(Roles.Operator);
        // staging/app is a managed (non-primary) database: a drill would restore over it and then drop it.
        var response = await op.PostAsJsonAsync("/api/v1/drills",
            new RequestDrill(LedgerFixture.Environment, LedgerFixture.Database, LedgerFixture.Database));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("a database an agent manages", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(DrillStages.Refused, problem.GetProperty("stage").GetString());
        Assert.True(await ExistsAsync(LedgerFixture.Database));
    }

    private async Task<long> EventRowsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(fixture.Stack.Postgres.ConnectionStringFor(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from dg_event_log", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<bool> ExistsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(fixture.Stack.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select exists (select 1 from pg_database where datname = $1)", connection)
        {
            Parameters = { new() { Value = database } },
        };
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
