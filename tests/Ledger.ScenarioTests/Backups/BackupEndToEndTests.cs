using System.Security.Cryptography;
using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;

namespace Ledger.ScenarioTests.Backups;

[Collection(LedgerCollection.Name)]
public sealed class when_a_backup_is_requested_through_the_cli(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task the_agent_takes_it_with_pg_dump_the_ledger_records_and_verifies_it_and_the_cli_lists_it()
    {
        var take = await fixture.RunCliAsync(Roles.Operator,
            "backups", "take", "--env", LedgerFixture.Environment, "--db", LedgerFixture.Database,
            "--trigger", "pre-upgrade", "--release", "v1.4.2", "--wait", "--timeout", "2m", "--json");
        Assert.True(take.ExitCode == 0, $"exit {take.ExitCode}: {take.Error}");
        var taken = JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup;

        Assert.Equal(BackupStatus.Verified, taken.Status);
        Assert.Equal(BackupTriggers.PreUpgrade, taken.Trigger);
        Assert.Equal("v1.4.2", taken.Release);
        Assert.Equal("embedded-operator", taken.RequestedBy);
        Assert.Contains(taken.TableRowCounts, t => t is { Schema: "public", Table: "dg_event_log", Rows: 300 });
        Assert.Contains(taken.TableRowCounts, t => t is { Table: "dg_workflow_items", Rows: 20 });
        Assert.StartsWith("pg_dump (PostgreSQL)", taken.PgDumpVersion);
        Assert.Contains("--format=custom", taken.DumpOptions);
        Assert.Contains("--compress=1", taken.DumpOptions); // the agent's default level

        // The artifact is where the naming rule says, complete, and hashes to what the ledger recorded.
        var path = taken.ArtifactPath!;
        Assert.StartsWith(Path.Combine(fixture.Stack.Repository, "staging", "app", "app-"), path);
        Assert.EndsWith($"-{taken.Id}.dump", path);
        var bytes = await File.ReadAllBytesAsync(path);
        Assert.Equal("PGDMP", System.Text.Encoding.ASCII.GetString(bytes, 0, 5));
        Assert.Equal(taken.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(taken.SizeBytes, bytes.LongLength);
        var sidecar = JsonSerializer.Deserialize<BackupTaken>(await File.ReadAllTextAsync(Path.ChangeExtension(path, ".json")), Json)!;
        Assert.Equal(taken.Sha256, sidecar.Sha256);
        Assert.Equal("v1.4.2", sidecar.Release);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.partial"));

        var list = await fixture.RunCliAsync(Roles.Reader, "backups", "list", "--env", "staging", "--db", "app", "--json");
        Assert.Equal(0, list.ExitCode);
        var page = JsonSerializer.Deserialize<Page<RestorePoint>>(list.Out, Json)!;
        Assert.Contains(page.Items, rp => rp.Id == taken.Id && rp.Status == BackupStatus.Verified);

        var show = await fixture.RunCliAsync(Roles.Reader, "backups", "show", taken.Id.ToString(), "--json");
        Assert.Equal(0, show.ExitCode);
        var detail = JsonSerializer.Deserialize<BackupDetail>(show.Out, Json)!;
        Assert.Equal(
            ["BackupRequested", "BackupStarted", "BackupTaken", "BackupVerified"],
            detail.History.Select(h => h.Type).ToArray());

        var table = await fixture.RunCliAsync(Roles.Reader, "backups", "list", "--env", "staging");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(taken.Id.ToString(), table.Out);
    }

    [Fact]
    public async Task an_unreachable_source_ends_in_BackupFailed_and_leaves_no_artifact()
    {
        var take = await fixture.RunCliAsync(Roles.Operator,
            "backups", "take", "--env", LedgerFixture.BrokenEnvironment, "--db", LedgerFixture.BrokenDatabase,
            "--wait", "--timeout", "2m", "--json");

        Assert.Equal(ExitCodes.BackupFailed, take.ExitCode);
        var failed = JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup;
        Assert.Equal(BackupStatus.Failed, failed.Status);
        Assert.Contains("source database", failed.FailureReason);
        Assert.DoesNotContain("not-a-real-secret-42", take.Out + take.Error);

        var directory = Path.Combine(fixture.Stack.Repository, "broken", "gone");
        var leftovers = Directory.Exists(directory) ? Directory.GetFiles(directory) : [];
        Assert.Empty(leftovers);
    }
}
