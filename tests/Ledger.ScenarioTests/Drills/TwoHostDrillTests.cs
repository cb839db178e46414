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
/// The runbook's drill across hosts: production's newest verified backup restored in staging by staging's agent, a
/// separate process whose repository directory holds nothing of production's; the artifact comes from the bucket.
/// </summary>
[Collection(TwoHostsCollection.Name)]
public sealed class when_production_is_drilled_in_staging_on_another_host(TwoHostsFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private async Task<RestorePoint> CopiedAsync(Guid backupId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        RestorePoint? point = null;
        while (DateTime.UtcNow < deadline)
        {
            await using (var session = fixture.Store.QuerySession())
            {
                point = await session.LoadAsync<RestorePoint>(backupId);
            }

            if (point?.Copies.Any(c => c.Repository == TwoHostsFixture.BucketRepository && c.Status == CopyStatus.Copied) == true)
            {
                return point;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"backup {backupId} was not copied to the bucket: {string.Join("; ", point?.Copies.Select(c => $"{c.Status} {c.Reason}") ?? [])}");
    }

    [Fact]
    public async Task the_staging_agent_restores_from_the_bucket_verifies_drops_its_target_and_the_drill_counts_for_prod()
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", TwoHostsFixture.Prod, "--db", TwoHostsFixture.ProdDatabase,
            "--wait", "--timeout", "3m", "--json");
        Assert.True(take.ExitCode == ExitCodes.Ok, take.Error + fixture.ProdAgent.Output);
        var backup = await CopiedAsync(JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup.Id);

        // Nothing of production's is on staging's disk: only the bucket holds what both can read.
        Assert.NotEmpty(Directory.EnumerateFiles(fixture.ProdRepository, "*.dump", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(fixture.StagingRepository, "*", SearchOption.AllDirectories));

        var run = await fixture.RunCliAsync(Roles.Operator, "drills", "run", "--env", TwoHostsFixture.Prod, "--db", TwoHostsFixture.ProdDatabase,
            "--target-env", TwoHostsFixture.Staging, "--timeout", "4m", "--json");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error + run.Out + fixture.StagingAgent.Output);
        var drill = JsonSerializer.Deserialize<DrillView>(run.Out, Json)!;
        Assert.Equal((DrillStatus.Passed, TwoHostsFixture.Prod, TwoHostsFixture.ProdDatabase, TwoHostsFixture.Staging, backup.Id),
            (drill.Status, drill.Environment, drill.Database, drill.TargetEnvironment, drill.BackupId!.Value));
        Assert.Equal("passed", Assert.Single(drill.Checks, c => c.Name == "fidelity").Outcome);
        Assert.Equal(DrillTargetOutcome.Dropped, drill.TargetOutcome);

        await using (var session = fixture.Store.QuerySession())
        {
            var restore = (await session.LoadAsync<RestoreView>(drill.RestoreId!.Value))!;
            Assert.Equal((TwoHostsFixture.StagingAgentId, TwoHostsFixture.Staging, TwoHostsFixture.StagingDatabase),
                (restore.AgentId, restore.Environment, restore.HostDatabase));
            var dropped = (await session.Events.FetchStreamAsync(drill.Id)).Select(e => e.Data).OfType<DrillTargetDropped>().Single();
            Assert.Equal(TwoHostsFixture.StagingAgentId, dropped.AgentId);
        }

        // The download was removed whatever happened, and the scratch target is gone.
        var work = TwoHostsFixture.StagingWork(fixture);
        Assert.True(Directory.Exists(work));
        Assert.Empty(Directory.EnumerateFiles(work, "*", SearchOption.AllDirectories));
        Assert.False(await ExistsAsync(DrillTargets.DefaultFor(TwoHostsFixture.ProdDatabase)));

        var report = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--env", TwoHostsFixture.Prod, "--format", "json");
        var line = Assert.Single(JsonSerializer.Deserialize<DrillComplianceReport>(report.Out, Json)!.Lines);
        Assert.Equal((TwoHostsFixture.ProdDatabase, 1, 1), (line.Database, line.DrillsRun, line.ManualDrillsRun));
        Assert.Equal(TwoHostsFixture.Staging, Assert.Single(line.Drills).TargetEnvironment);

        // The bucket's credentials appear nowhere the ledger or the agents wrote.
        await using var connection = new NpgsqlConnection(fixture.Stack.LedgerConnectionString);
        await connection.OpenAsync();
        await using var events = new NpgsqlCommand("select string_agg(data::text, ' ') from ledger.mt_events", connection);
        var recorded = (string)(await events.ExecuteScalarAsync())!;
        Assert.Contains(TwoHostsFixture.BucketRepository, recorded);
        foreach (var text in new[] { recorded, fixture.ProdAgent.Output, fixture.StagingAgent.Output, run.Out, run.Error })
        {
            Assert.DoesNotContain(fixture.S3.SecretAccessKey, text, StringComparison.Ordinal);
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
