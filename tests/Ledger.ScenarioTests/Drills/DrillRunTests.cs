using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Marten;
using Npgsql;

namespace Ledger.ScenarioTests.Drills;

/// <summary>Drills through the real CLI, ledger, agent and pg_restore.</summary>
[Collection(LedgerCollection.Name)]
public sealed class when_a_drill_is_run(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task a_drill_into_a_primary_target_is_refused_and_the_refusal_is_recorded()
    {
        // rs-prod has only a primary database, so a new drill target there counts as primary.
        var run = await fixture.RunCliAsync(Roles.Operator, "drills", "run", "--env", LedgerFixture.RestoreSourceEnvironment,
            "--db", LedgerFixture.RestoreSourceDatabase);
        Assert.Equal(ExitCodes.RestoreRefused, run.ExitCode);
        Assert.Contains("primary", run.Error);

        var list = await fixture.RunCliAsync(Roles.Reader, "drills", "list", "--env", LedgerFixture.RestoreSourceEnvironment, "--json");
        var drill = JsonSerializer.Deserialize<List<DrillView>>(list.Out, Json)!.First();
        Assert.Equal((DrillStatus.Failed, DrillStages.Refused, DrillTargets.DefaultFor(LedgerFixture.RestoreSourceDatabase)),
            (drill.Status, drill.FailureStage, drill.TargetDatabase));
    }

    [Fact]
    public async Task a_drill_restores_the_newest_verified_backup_and_records_rto_rpo_each_checks_outcome_and_manual_steps()
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", LedgerFixture.Environment, "--db",
            LedgerFixture.Database, "--wait", "--timeout", "2m", "--json");
        Assert.True(take.ExitCode == 0, take.Error);
        var backup = JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup;

        var run = await fixture.RunCliAsync(Roles.Operator, "drills", "run", "--env", LedgerFixture.Environment, "--db",
            LedgerFixture.Database, "--manual-step", "paused the cron by hand", "--keep", "--timeout", "3m", "--json");
        var drill = JsonSerializer.Deserialize<DrillView>(run.Out, Json)!;
        // staging/app is not a DecisionGraph database: the restore is faithful, but the projection checks find no
        // projection tables, so the drill completes with a failed verification (exit 10) and says which check failed.
        Assert.True(run.ExitCode == ExitCodes.RestoreFailed, run.Error + run.Out);
        Assert.Equal((DrillStatus.VerificationFailed, backup.Id, "app_drill"), (drill.Status, drill.BackupId!.Value, drill.TargetDatabase));
        Assert.Equal("passed", Assert.Single(drill.Checks, c => c.Name == "fidelity").Outcome);
        Assert.Equal("failed", Assert.Single(drill.Checks, c => c.Name == "projection-state").Outcome);
        Assert.True(drill.RtoMs > 0);
        Assert.True(drill.RpoSeconds >= 0);
        Assert.Equal(["paused the cron by hand"], drill.ManualSteps);
        // --keep: the target stays for the operator to look at, and the drill says so.
        Assert.Equal(DrillTargets.KeptOnRequest, drill.TargetOutcome);
        Assert.True(await DatabaseExistsAsync("app_drill"));
        await fixture.Stack.Postgres.DropDatabaseAsync("app_drill");
    }

    private async Task<bool> DatabaseExistsAsync(string name)
    {
        await using var connection = new NpgsqlConnection(fixture.Stack.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select exists (select from pg_database where datname = $1)", connection)
        {
            Parameters = { new() { Value = name } },
        };
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task a_drill_of_a_decisiongraph_database_passes_and_says_no_manual_step_was_needed()
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", LedgerFixture.SeededEnvironment, "--db",
            LedgerFixture.SeededDatabase, "--wait", "--timeout", "3m", "--json");
        Assert.True(take.ExitCode == 0, take.Error);
        var backup = JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup;

        var run = await fixture.RunCliAsync(Roles.Operator, "drills", "run", "--env", LedgerFixture.SeededEnvironment, "--db",
            LedgerFixture.SeededDatabase, "--timeout", "3m", "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error + run.Out);
        var drill = JsonSerializer.Deserialize<DrillView>(run.Out, Json)!;
        Assert.Equal((DrillStatus.Passed, backup.Id), (drill.Status, drill.BackupId!.Value));
        Assert.Equal("passed", Assert.Single(drill.Checks, c => c.Name == "fidelity").Outcome);
        Assert.Equal("passed", Assert.Single(drill.Checks, c => c.Name == "projection-state").Outcome);
        Assert.DoesNotContain(drill.Checks, c => c.Outcome == "failed");
        Assert.Equal([ManualSteps.None], drill.ManualSteps);
        Assert.True(drill.RtoMs > 0);

        // The drill target was scratch: the agent dropped it once the drill had its verdict, and the drill records that.
        Assert.Equal(DrillTargets.Dropped, drill.TargetOutcome);
        Assert.False(await DatabaseExistsAsync(DrillTargets.DefaultFor(LedgerFixture.SeededDatabase)));
        await using var session = fixture.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(drill.Id);
        Assert.Equal(["DrillStarted", "DrillCompleted", "DrillTargetDropped"], events.Select(e => e.EventType.Name));
    }
    [Fact]
    public async Task a_drill_runs_decisiongraphs_smoke_tests_against_the_decisiongraph_serving_its_target()
    {
        fixture.DrillDecisionGraph.Reset();
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", LedgerFixture.CasesEnvironment, "--db",
            LedgerFixture.BehindSource, "--wait", "--timeout", "3m", "--json");
        Assert.True(take.ExitCode == 0, take.Error);

        var run = await fixture.RunCliAsync(Roles.Operator, "drills", "run", "--env", LedgerFixture.CasesEnvironment, "--db",
            LedgerFixture.BehindSource, "--timeout", "3m", "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error + run.Out);
        var drill = JsonSerializer.Deserialize<DrillView>(run.Out, Json)!;
        Assert.Equal((DrillStatus.Passed, LedgerFixture.BehindDrillTarget), (drill.Status, drill.TargetDatabase));
        Assert.Equal("repaired", Assert.Single(drill.Checks, c => c.Name == "projection-state").Outcome);
        foreach (var name in new[] { "application-health", "projection-catch-up", "operator-console", "trace-read" })
        {
            Assert.Equal("passed", Assert.Single(drill.Checks, c => c.Name == name).Outcome);
        }

        Assert.Contains(fixture.DrillDecisionGraph.Requests, r => r is { Method: "POST", Path: "/api/v1/admin/replays", Status: 202 });
    }
}
