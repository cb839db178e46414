using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Marten;
using Npgsql;

namespace Ledger.ScenarioTests.Drills;

/// <summary>
/// Production's backup drilled (and restored) in another environment, through the agent serving that environment:
/// <c>seeded/dg_seeded</c> (a DecisionGraph database) into <c>sd-stage</c>, whose only database is the drill targets' host.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_a_drill_or_restore_crosses_environments(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const string Stage = LedgerFixture.DrillStageEnvironment;

    private async Task<RestorePoint> SeededBackupAsync()
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", LedgerFixture.SeededEnvironment, "--db",
            LedgerFixture.SeededDatabase, "--wait", "--timeout", "3m", "--json");
        Assert.True(take.ExitCode == ExitCodes.Ok, take.Error);
        return JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup;
    }

    [Fact]
    public async Task a_drill_of_one_environment_runs_in_the_target_environment_and_counts_for_its_source()
    {
        var backup = await SeededBackupAsync();

        var run = await fixture.RunCliAsync(Roles.Operator, "drills", "run", "--env", LedgerFixture.SeededEnvironment, "--db",
            LedgerFixture.SeededDatabase, "--target-env", Stage, "--timeout", "3m", "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error + run.Out);
        var drill = JsonSerializer.Deserialize<DrillView>(run.Out, Json)!;
        Assert.Equal((DrillStatus.Passed, LedgerFixture.SeededEnvironment, LedgerFixture.SeededDatabase, Stage, backup.Id),
            (drill.Status, drill.Environment, drill.Database, drill.TargetEnvironment, drill.BackupId!.Value));
        Assert.Contains($"{Stage}/{DrillTargets.DefaultFor(LedgerFixture.SeededDatabase)}", run.Error);
        Assert.DoesNotContain(drill.Checks, c => c.Outcome == "failed");
        // The target environment's agent restored it and then dropped the scratch target.
        Assert.Equal(DrillTargetOutcome.Dropped, drill.TargetOutcome);
        await using (var session = fixture.Store.QuerySession())
        {
            var restore = (await session.LoadAsync<RestoreView>(drill.RestoreId!.Value))!;
            Assert.Equal((LedgerFixture.SeededEnvironment, Stage, DrillTargets.DefaultFor(LedgerFixture.SeededDatabase), LedgerFixture.DrillStageHost),
                (restore.SourceEnvironment, restore.Environment, restore.TargetDatabase, restore.HostDatabase));
        }

        // Listed under either environment; the compliance report counts it for its source and says where it ran.
        var listed = await fixture.RunCliAsync(Roles.Reader, "drills", "list", "--env", Stage, "--json");
        Assert.Contains(JsonSerializer.Deserialize<List<DrillView>>(listed.Out, Json)!, d => d.Id == drill.Id);
        var table = await fixture.RunCliAsync(Roles.Reader, "drills", "list", "--env", Stage);
        Assert.Contains($"{Stage}/{DrillTargets.DefaultFor(LedgerFixture.SeededDatabase)}", table.Out);

        var report = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--env", LedgerFixture.SeededEnvironment, "--format", "json");
        var line = Assert.Single(JsonSerializer.Deserialize<DrillComplianceReport>(report.Out, Json)!.Lines,
            l => l.Database == LedgerFixture.SeededDatabase);
        var mark = Assert.Single(line.Drills, d => d.DrillId == drill.Id);
        Assert.Equal((Stage, DrillTriggers.Manual), (mark.TargetEnvironment, mark.Trigger));
        Assert.True(line.ManualDrillsRun >= 1);
        var stageReport = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--env", Stage, "--format", "json");
        Assert.DoesNotContain(JsonSerializer.Deserialize<DrillComplianceReport>(stageReport.Out, Json)!.Lines, l => l.Drills.Any(d => d.DrillId == drill.Id));
    }

    [Theory]
    [InlineData("template1", "system database")]
    [InlineData("app-drill", "valid PostgreSQL identifier")]
    public async Task a_system_database_or_an_invalid_name_in_the_other_environment_is_refused_with_400_and_nothing_appended(string target, string reason)
    {
        var before = await fixture.EventCountAsync();
        using var op = fixture.Stack.Client(Roles.Operator);
        var response = await op.PostAsJsonAsync("/api/v1/drills",
            new RequestDrill(LedgerFixture.SeededEnvironment, LedgerFixture.SeededDatabase, target, TargetEnvironment: Stage));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.EventCountAsync());
    }

    [Theory]
    [InlineData("nowhere", "No agent serves environment 'nowhere'")]
    [InlineData("Not An Env", "Lower-case letters")]
    public async Task a_target_environment_no_agent_serves_or_a_malformed_one_is_a_400_naming_it_and_nothing_appended(string environment, string reason)
    {
        var before = await fixture.EventCountAsync();
        using var op = fixture.Stack.Client(Roles.Operator);
        var response = await op.PostAsJsonAsync("/api/v1/drills",
            new RequestDrill(LedgerFixture.SeededEnvironment, LedgerFixture.SeededDatabase, TargetEnvironment: environment));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("targetEnvironment", body, StringComparison.Ordinal);
        Assert.Contains(reason, body, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.EventCountAsync());
    }

    [Fact]
    public async Task a_managed_database_of_the_target_environment_or_of_any_other_is_never_a_drill_target_and_the_refusal_is_recorded()
    {
        // sd_stage_host is managed in sd-stage; dg_seeded (the source itself) is managed in seeded.
        foreach (var (target, named) in new[] { (LedgerFixture.DrillStageHost, $"{Stage}/{LedgerFixture.DrillStageHost}"),
                     (LedgerFixture.SeededDatabase, $"{LedgerFixture.SeededEnvironment}/{LedgerFixture.SeededDatabase}") })
        {
            var run = await fixture.RunCliAsync(Roles.Operator, "drills", "run", "--env", LedgerFixture.SeededEnvironment, "--db",
                LedgerFixture.SeededDatabase, "--target-env", Stage, "--target-db", target);
            Assert.Equal(ExitCodes.RestoreRefused, run.ExitCode);
            Assert.Contains(named, run.Error, StringComparison.Ordinal);
            Assert.Contains("a database an agent manages", run.Error, StringComparison.Ordinal);
        }

        await using var session = fixture.Store.QuerySession();
        var refused = await session.Query<DrillView>()
            .Where(d => d.TargetEnvironment == Stage && d.TargetDatabase == LedgerFixture.DrillStageHost).ToListAsync();
        Assert.NotEmpty(refused);
        Assert.All(refused, d => Assert.Equal((DrillStatus.Failed, DrillStages.Refused, (Guid?)null), (d.Status, d.FailureStage, d.RestoreId)));
        Assert.True(await ExistsAsync(LedgerFixture.DrillStageHost));
    }

    [Fact]
    public async Task a_restore_into_another_environment_runs_through_that_environments_agent_with_the_same_interlocks()
    {
        var backup = await SeededBackupAsync();
        const string copy = "dg_seeded_stage_copy";

        var refused = await fixture.RunCliAsync(Roles.Operator, "restore", backup.Id.ToString(), "--env", Stage, "--target-db",
            LedgerFixture.SeededDatabase, "--confirm", LedgerFixture.SeededDatabase, "--json");
        Assert.Equal(ExitCodes.RestoreRefused, refused.ExitCode);
        Assert.Contains(Interlocks.ManagedElsewhere, refused.Error + refused.Out, StringComparison.Ordinal);

        var run = await fixture.RunCliAsync(Roles.Operator, "restore", backup.Id.ToString(), "--env", Stage, "--target-db", copy,
            "--confirm", copy, "--wait", "--timeout", "3m", "--json");
        try
        {
            Assert.True(run.ExitCode == ExitCodes.Ok, run.Error + run.Out);
            var restore = JsonSerializer.Deserialize<RestoreView>(run.Out, Json)!;
            Assert.Equal((RestoreStatus.Verified, LedgerFixture.SeededEnvironment, Stage, LedgerFixture.DrillStageHost, false),
                (restore.Status, restore.SourceEnvironment, restore.Environment, restore.HostDatabase, restore.TargetManaged));
            Assert.Equal("passed", Assert.Single(restore.Checks, c => c.Name == "fidelity").Outcome);
        }
        finally
        {
            await fixture.Stack.Postgres.DropDatabaseAsync(copy);
        }
    }

    private async Task<bool> ExistsAsync(string name)
    {
        await using var connection = new NpgsqlConnection(fixture.Stack.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select exists (select from pg_database where datname = $1)", connection)
        {
            Parameters = { new() { Value = name } },
        };
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
