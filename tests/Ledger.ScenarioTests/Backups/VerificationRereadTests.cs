using System.Text.Json;
using Ledger.Agent.Recovery;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;

namespace Ledger.ScenarioTests.Backups;

/// <summary>
/// A backup's verification hashes what the repository holds, re-read after BackupTaken (with the file's cached pages
/// dropped), not the hash the writer computed: one byte flipped in the stored artifact between BackupTaken and the
/// verification (held there by a fail point) fails it.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_the_stored_artifact_changes_after_the_backup_was_taken(LedgerFixture fixture)
{
    [Fact]
    public async Task verification_rereads_it_and_fails_with_the_mismatch()
    {
        var folder = Path.Combine(fixture.Stack.Repository, LedgerFixture.RetentionEnvironment, LedgerFixture.Database);
        CliRun run;
        using (var hold = FailPoints.Hold(Phases.Verification, $"{LedgerFixture.RetentionEnvironment}/{LedgerFixture.Database}"))
        {
            var taking = fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", LedgerFixture.RetentionEnvironment, "--db", LedgerFixture.Database,
                "--wait", "--timeout", "2m", "--json");
            await hold.Reached.WaitAsync(TimeSpan.FromMinutes(2));

            // The artifact this backup just stored (the newest in its folder), one byte in its middle flipped.
            var artifact = new DirectoryInfo(folder).EnumerateFiles("*.dump").OrderByDescending(f => f.LastWriteTimeUtc).First().FullName;
            await using (var file = new FileStream(artifact, FileMode.Open, FileAccess.ReadWrite))
            {
                file.Position = file.Length / 2;
                var original = file.ReadByte();
                file.Position = file.Length / 2;
                file.WriteByte((byte)(original ^ 0x01));
            }

            hold.Release();
            run = await taking;
        }

        var backup = JsonSerializer.Deserialize<BackupDetail>(run.Out, new JsonSerializerOptions(JsonSerializerDefaults.Web))!.Backup;
        Assert.Equal(BackupStatus.VerificationFailed, backup.Status);
        Assert.Contains("SHA-256 mismatch", backup.FailureReason, StringComparison.Ordinal);
        Assert.Contains("re-read from disk", backup.FailureReason, StringComparison.Ordinal);
    }
}
