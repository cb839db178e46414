using System.Net.Http.Json;
using System.Text.Json;
using Ledger.Testing.Stack;
using Xunit.Abstractions;

namespace Ledger.FaultTests;

/// <summary>
/// The agent's repository (or its work directory) on a small tmpfs that fills up: the kernel's ENOSPC, not a fake stream.
/// A backup bigger than the space fails naming "No space left on device", gives the space back (the partial file is
/// removed), writes no manifest and leaves the ledger no restore point that looks complete; once space is freed the next
/// backup verifies. A restore whose download from a bucket meets a full work directory fails at the checksum stage
/// with the target untouched and the temporary file removed.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class when_the_filesystem_is_full(FaultFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task a_backup_fails_naming_enospc_gives_the_space_back_and_the_next_one_verifies_once_space_is_freed()
    {
        var repository = EnvironmentFaults.NewRepositoryPath();
        await using var tmpfs = await TmpfsMount.MountAsync(repository, "4m");
        await using var agent = await fixture.NewSourceAgentAsync("full-agent", repository);
        try
        {
            await agent.StartAsync();
            await fixture.Stack.WaitForHeartbeatAsync("full-agent", DateTimeOffset.UtcNow, EnvironmentFaults.Bound);
            var usedBefore = tmpfs.UsedBytes();

            var backupId = await fixture.Stack.RequestBackupAsync(FaultFixture.SourceEnvironment, FaultFixture.BulkDatabase);
            FaultFigures.Environmental("repository filesystem full");
            var detail = await fixture.WaitFinalAsync($"/api/v1/backups/{backupId}", EnvironmentFaults.BackupFinal);
            var backup = detail.GetProperty("backup");
            var reason = backup.GetProperty("failureReason").GetString();
            var usedAfter = tmpfs.UsedBytes();
            output.WriteLine($"tmpfs {tmpfs.TotalBytes()} bytes: used {usedBefore} before the backup, {usedAfter} after it failed: {reason}");
            Assert.True(backup.GetProperty("status").GetString() == "failed", detail + agent.Output);
            Assert.StartsWith($"The repository {repository} failed during pg_dump", reason);
            Assert.Contains("No space left on device", reason);

            // The partial file is gone and its space given back (the journal's few entries stay).
            Assert.True(usedAfter <= usedBefore + 64 * 1024, $"used {usedBefore} -> {usedAfter}");
            Assert.DoesNotContain(Directory.EnumerateFiles(repository, "*.json", SearchOption.AllDirectories), f => !f.Contains(".dgledger-agent", StringComparison.Ordinal));
            Assert.Empty(Directory.EnumerateFiles(repository, "*.dump", SearchOption.AllDirectories));
            await fixture.AssertNothingLeftAsync(repository, backupId, output);
            // No restore point that looks complete: not listed as taken or verified, no size or SHA-256.
            foreach (var status in new[] { "taken", "verified" })
            {
                var listed = await fixture.Stack.GetAsync($"/api/v1/backups?environment={FaultFixture.SourceEnvironment}&database={FaultFixture.BulkDatabase}&status={status}");
                Assert.DoesNotContain(backupId.ToString(), listed.ToString(), StringComparison.Ordinal);
            }

            Assert.True(backup.TryGetProperty("sha256", out var sha) is false || sha.ValueKind == JsonValueKind.Null, backup.ToString());

            // Space freed (the volume grown): the next backup succeeds and verifies.
            await tmpfs.ResizeAsync("64m");
            await fixture.VerifiedBackupAsync(FaultFixture.SourceEnvironment, FaultFixture.BulkDatabase, agent);
            await agent.StopAsync();
            output.WriteLine(FaultFigures.Record());
        }
        finally
        {
            await agent.StopAsync();
        }
    }

    [Fact]
    public async Task a_restore_whose_download_meets_a_full_work_directory_fails_at_the_checksum_and_leaves_the_target_untouched()
    {
        await using var s3 = await S3Server.StartAsync(["dgledger-full"]);
        var workDirectory = Path.Combine(Path.GetTempPath(), "dgledger-work-" + Guid.NewGuid().ToString("N")[..8]);
        var extra = new Dictionary<string, string?>(s3.AgentSettings())
        {
            ["Agent:WorkDirectory"] = workDirectory,
            ["Agent:StateDirectory"] = Path.Combine(workDirectory + "-state"),
        };
        await using var agent = await fixture.NewSourceAgentAsync("download-agent", "s3://dgledger-full/faults", extra);
        TmpfsMount? tmpfs = null;
        try
        {
            await agent.StartAsync();
            await fixture.Stack.WaitForHeartbeatAsync("download-agent", DateTimeOffset.UtcNow, EnvironmentFaults.Bound);
            var backup = (await fixture.VerifiedBackupAsync(FaultFixture.SourceEnvironment, FaultFixture.BulkDatabase, agent)).GetProperty("backup");
            var backupId = backup.GetProperty("id").GetGuid();
            var size = backup.GetProperty("sizeBytes").GetInt64();

            // The work directory becomes a 4 MiB filesystem; the artifact is bigger.
            tmpfs = await TmpfsMount.MountAsync(workDirectory, "4m");
            Assert.True(size > tmpfs.TotalBytes(), $"the artifact ({size} bytes) must be bigger than the tmpfs");
            var server = await fixture.SourceServerAsync();
            var tablesBefore = await TablesAsync(server.ConnectionStringFor(FaultFixture.BulkTarget));

            using var client = fixture.Stack.Client(Ledger.Contracts.Common.Roles.Operator);
            var response = await client.PostAsJsonAsync("/api/v1/restores",
                new { backupId, targetDatabase = FaultFixture.BulkTarget, confirm = FaultFixture.BulkTarget });
            var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(response.IsSuccessStatusCode, accepted.ToString());
            var restoreId = accepted.GetProperty("restoreId").GetGuid();
            FaultFigures.Environmental("work directory filesystem full");

            var restore = await fixture.WaitFinalAsync($"/api/v1/restores/{restoreId}", EnvironmentFaults.RestoreFinal);
            output.WriteLine($"restore: {restore}");
            Assert.Equal("failed", LedgerReads.Status(restore));
            Assert.Equal("checksum", restore.GetProperty("failureStage").GetString());
            Assert.Contains("No space left on device", restore.GetProperty("failureReason").GetString());
            Assert.False(restore.GetProperty("targetTouched").GetBoolean());
            // Target untouched (no table appeared, its settings as before), the temporary download removed.
            Assert.Equal(tablesBefore, await TablesAsync(server.ConnectionStringFor(FaultFixture.BulkTarget)));
            Assert.Empty(Directory.EnumerateFiles(workDirectory, "*", SearchOption.AllDirectories));
            Assert.True(tmpfs.UsedBytes() < 64 * 1024, $"{tmpfs.UsedBytes()} bytes still used in the work directory");
            await fixture.AssertNothingLeftAsync(workDirectory, restoreId, output);
            await agent.StopAsync();
            output.WriteLine(FaultFigures.Record());
        }
        finally
        {
            await agent.StopAsync();
            if (tmpfs is not null)
            {
                await tmpfs.DisposeAsync();
            }
        }
    }

    private static async Task<long> TablesAsync(string connectionString)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select count(*) from pg_tables where schemaname = 'public'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
