using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.ScenarioTests.Fidelity;

[Collection(LedgerCollection.Name)]
public sealed class when_a_seeded_decisiongraph_database_is_backed_up_and_restored(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task the_restore_diffs_identical_against_the_backup_and_the_source()
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", LedgerFixture.SeededEnvironment,
            "--db", LedgerFixture.SeededDatabase, "--wait", "--timeout", "3m", "--json");
        Assert.True(take.ExitCode == ExitCodes.Ok, take.Error);
        var backup = JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup;

        var source = fixture.Stack.Postgres.ConnectionStringFor(LedgerFixture.SeededDatabase);
        await using (var connection = new NpgsqlConnection(source))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("select count(*) from dg_event_log", connection);
            var events = (long)(await count.ExecuteScalarAsync())!;
            Assert.True(events > LedgerFixture.SeededTraces, $"{events} events");
            Assert.Contains(backup.TableRowCounts, t => t.Table == "dg_event_log" && t.Rows == events);
        }

        var scratch = "seeded_copy_" + Guid.NewGuid().ToString("N")[..6];
        var target = await fixture.Stack.Postgres.CreateDatabaseAsync(scratch);
        var restore = await PgProcessRunner.Default.RunAsync(
            new PgCommand(PgToolPaths.Locate().PgRestore, ["--no-owner", "--no-privileges", "--jobs=2", $"--dbname={scratch}", backup.ArtifactPath!])
            {
                ConnectionString = target,
            });
        Assert.True(restore.Succeeded, restore.StderrTail);

        var againstBackup = await fixture.RunCliAsync(Roles.Reader, "diff", "--backup", backup.Id.ToString(), "--target", target);
        Assert.True(againstBackup.ExitCode == ExitCodes.Ok, againstBackup.Out + againstBackup.Error);
        Assert.StartsWith("identical", againstBackup.Out);

        var againstSource = await fixture.RunCliAsync(null, "diff", "--source", source, "--target", target, "--json");
        Assert.True(againstSource.ExitCode == ExitCodes.Ok, againstSource.Out + againstSource.Error);

        // And one changed row in the copy is caught and named by its key.
        await using (var connection = new NpgsqlConnection(target))
        {
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand("update dg_event_log set payload_json = payload_json || ' ' where log_seq = 7", connection);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        var changed = await fixture.RunCliAsync(null, "diff", "--source", source, "--target", target);
        Assert.Equal(ExitCodes.DatabasesDiffer, changed.ExitCode);
        Assert.Contains("dg_event_log", changed.Out);
        Assert.Contains("7", changed.Out);
        await fixture.Stack.Postgres.DropDatabaseAsync(scratch);
    }
}
