using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Postgres;
using Ledger.Postgres.Fidelity;
using Npgsql;

namespace Ledger.ScenarioTests.Fidelity;

/// <summary>Through the whole chain: the agent's fingerprint is of the very snapshot pg_dump read.</summary>
[Collection(LedgerCollection.Name)]
public sealed class when_a_backup_is_taken_while_the_application_writes(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task its_restore_diffs_identical_against_its_own_fingerprint_and_not_against_the_moved_on_source()
    {
        var source = fixture.Stack.Postgres.ConnectionStringFor("app");
        using var stop = new CancellationTokenSource();
        var written = 0;
        var writer = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(source);
            await connection.OpenAsync();
            var trace = "writer-" + Guid.NewGuid().ToString("N")[..8];
            while (!stop.IsCancellationRequested)
            {
                await using var insert = new NpgsqlCommand("""
                    insert into dg_event_log (tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at, payload_json)
                    values ('default', gen_random_uuid(), $1, $2, 'PolicyEvaluated', '2026-11-24T00:00:00Z', '2026-11-24T00:00:00Z', '{}')
                    """, connection) { Parameters = { new() { Value = trace }, new() { Value = written } } };
                await insert.ExecuteNonQueryAsync();
                written++;
            }
        });

        try
        {
            while (Volatile.Read(ref written) < 50)
            {
                await Task.Delay(10);
            }

            var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", "staging", "--db", "app", "--wait", "--timeout", "2m", "--json");
            Assert.True(take.ExitCode == 0, take.Error);
            var backup = JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup;
            var during = Volatile.Read(ref written);
            while (Volatile.Read(ref written) < during + 50)
            {
                await Task.Delay(10);
            }

            await stop.CancelAsync();
            await writer;

            // Restore the artifact into a scratch database with the real pg_restore.
            var scratch = "restored_" + Guid.NewGuid().ToString("N")[..8];
            var target = await fixture.Stack.Postgres.CreateDatabaseAsync(scratch);
            var restore = await PgProcessRunner.Default.RunAsync(
                new PgCommand(PgToolPaths.Locate().PgRestore, ["--no-owner", "--no-privileges", $"--dbname={scratch}", backup.ArtifactPath!])
                {
                    ConnectionString = target,
                });
            Assert.True(restore.Succeeded, restore.StderrTail);

            var diff = await fixture.RunCliAsync(Roles.Reader, "diff", "--backup", backup.Id.ToString(), "--target", target, "--json");
            Assert.True(diff.ExitCode == ExitCodes.Ok, diff.Out + diff.Error);

            // The source kept moving, so it no longer equals the backup: the diff says so, naming the event log.
            var moved = FingerprintComparer.Compare(
                await Fingerprinter.CaptureAsync(source, CancellationToken.None),
                await Fingerprinter.CaptureAsync(target, CancellationToken.None));
            Assert.False(moved.Identical);
            Assert.Contains(moved.Tables, t => t.Table == "dg_event_log");
            Assert.Contains(moved.Sequences, s => s.Name == "dg_event_log_log_seq_seq");
            await fixture.Stack.Postgres.DropDatabaseAsync(scratch);
        }
        finally
        {
            await stop.CancelAsync();
        }
    }
}
