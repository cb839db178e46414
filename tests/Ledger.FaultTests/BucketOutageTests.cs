using System.Text.Json;
using Ledger.Testing.Stack;
using Xunit.Abstractions;

namespace Ledger.FaultTests;

/// <summary>
/// The S3-compatible server (s3rver on loopback) stopped while a backup streams to it as a multipart upload, and a
/// second bucket's server stopped while a verified backup is copied to it. The agent is held at a fail point (mid-dump,
/// mid-copy), the server is stopped, the agent released. The backup ends failed naming the repository with no object or
/// manifest under its key and no local spool; a copy ends <c>BackupCopyFailed</c> with the primary untouched; once the
/// server is back, the next backup is stored, read back and verified.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class when_the_bucket_goes_away(FaultFixture fixture, ITestOutputHelper output)
{
    private const string Bucket = "dgledger-outage";
    private const string CopyBucket = "dgledger-offsite";

    [Fact]
    public async Task mid_upload_the_backup_fails_naming_the_repository_and_leaves_no_object()
    {
        await using var s3 = await S3Server.StartAsync([Bucket]);
        var workDirectory = Path.Combine(Path.GetTempPath(), "dgledger-work-" + Guid.NewGuid().ToString("N")[..8]);
        var state = EnvironmentFaults.NewRepositoryPath();
        var extra = new Dictionary<string, string?>(s3.AgentSettings())
        {
            ["Agent:WorkDirectory"] = workDirectory,
            ["Agent:StateDirectory"] = state,
            ["Agent:S3:PartSizeBytes"] = (5 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var agent = await fixture.NewSourceAgentAsync("bucket-agent", $"s3://{Bucket}/faults", extra);
        try
        {
            await agent.StartAsync(Ledger.Agent.Recovery.Phases.MidDump);
            await fixture.Stack.WaitForHeartbeatAsync("bucket-agent", DateTimeOffset.UtcNow, EnvironmentFaults.Bound);
            var backupId = await fixture.Stack.RequestBackupAsync(FaultFixture.SourceEnvironment, FaultFixture.BulkDatabase);
            Assert.True(await agent.WaitForPhaseAsync(Ledger.Agent.Recovery.Phases.MidDump, EnvironmentFaults.Bound), agent.Output);
            await s3.StopAsync();
            FaultFigures.Environmental("bucket server stopped mid-upload");
            agent.Release(Ledger.Agent.Recovery.Phases.MidDump);

            var detail = await fixture.WaitFinalAsync($"/api/v1/backups/{backupId}", EnvironmentFaults.BackupFinal);
            var backup = detail.GetProperty("backup");
            var reason = backup.GetProperty("failureReason").GetString();
            output.WriteLine($"bucket stopped mid-upload: {reason}");
            Assert.True(backup.GetProperty("status").GetString() == "failed", detail + agent.Output);
            Assert.StartsWith($"The repository s3://{Bucket}/faults failed during pg_dump", reason);
            Assert.DoesNotContain(s3.SecretAccessKey, detail.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(s3.SecretAccessKey, agent.Output, StringComparison.Ordinal);

            // Back up: nothing under the backup's key that looks complete (no object, no manifest), no local spool.
            await s3.StartAgainAsync();
            var stored = StoredFiles(s3);
            output.WriteLine($"s3rver's store after the failed upload: {(stored.Count == 0 ? "(nothing)" : string.Join(", ", stored))}");
            Assert.DoesNotContain(stored, f => f.Contains(backupId.ToString(), StringComparison.Ordinal) && f.EndsWith("._S3rver_object", StringComparison.Ordinal));
            Assert.DoesNotContain(stored, f => f.EndsWith(".json._S3rver_object", StringComparison.Ordinal));
            Assert.Empty(LocalFiles(workDirectory));
            await fixture.AssertNothingLeftAsync(state, backupId, output);
            output.WriteLine(string.Join(Environment.NewLine, agent.Output.Split('\n').Where(l => l.Contains("multipart", StringComparison.OrdinalIgnoreCase))));

            // The next backup is stored, read back and verified.
            await fixture.VerifiedBackupAsync(FaultFixture.SourceEnvironment, FaultFixture.BulkDatabase, agent);
            await agent.StopAsync();
            output.WriteLine(FaultFigures.Record());
        }
        finally
        {
            await agent.StopAsync();
            EnvironmentFaults.RemoveRepository(state);
            if (Directory.Exists(workDirectory))
            {
                Directory.Delete(workDirectory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task mid_copy_the_copy_fails_and_the_primary_stays_verified()
    {
        await using var offsite = await S3Server.StartAsync([CopyBucket]);
        var repository = EnvironmentFaults.NewRepositoryPath();
        var extra = new Dictionary<string, string?>(offsite.AgentSettings())
        {
            ["Agent:Copies:0"] = $"s3://{CopyBucket}/faults",
            ["Agent:S3:PartSizeBytes"] = (5 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var agent = await fixture.NewSourceAgentAsync("copy-agent", repository, extra);
        try
        {
            await agent.StartAsync(Ledger.Agent.Recovery.Phases.MidCopy);
            await fixture.Stack.WaitForHeartbeatAsync("copy-agent", DateTimeOffset.UtcNow, EnvironmentFaults.Bound);
            var backupId = await fixture.Stack.RequestBackupAsync(FaultFixture.SourceEnvironment, FaultFixture.BulkDatabase);
            Assert.True(await agent.WaitForPhaseAsync(Ledger.Agent.Recovery.Phases.MidCopy, EnvironmentFaults.Bound), agent.Output);
            await offsite.StopAsync();
            FaultFigures.Environmental("copy bucket server stopped mid-copy");
            agent.Release(Ledger.Agent.Recovery.Phases.MidCopy);

            var detail = await WaitForCopyOutcomeAsync(backupId);
            output.WriteLine($"copy: {detail.GetProperty("backup").GetProperty("copies")}");
            var backup = detail.GetProperty("backup");
            Assert.Equal("verified", backup.GetProperty("status").GetString());
            var types = await fixture.EventTypesAsync(backupId);
            Assert.Contains("backup_copy_failed", types);
            Assert.DoesNotContain("backup_copied", types);
            var duplicates = await fixture.DuplicatesAsync(backupId);
            FaultFigures.Duplicates(duplicates);
            Assert.Equal(0, duplicates);

            // The primary copy is untouched: its artifact and manifest are there and hash to what was recorded.
            var artifact = backup.GetProperty("artifactPath").GetString()!;
            Assert.True(File.Exists(artifact) && File.Exists(Path.ChangeExtension(artifact, ".json")), artifact);
            await using (var file = File.OpenRead(artifact))
            {
                Assert.Equal(backup.GetProperty("sha256").GetString(), Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(file)));
            }

            var leftovers = FaultChecks.Leftovers(repository, DateTime.MinValue);
            FaultFigures.Leftovers(leftovers.Count);
            Assert.Empty(leftovers);

            await offsite.StartAgainAsync();
            var stored = StoredFiles(offsite);
            output.WriteLine($"offsite store after the failed copy: {(stored.Count == 0 ? "(nothing)" : string.Join(", ", stored))}");
            Assert.DoesNotContain(stored, f => f.EndsWith("._S3rver_object", StringComparison.Ordinal));
            await agent.StopAsync();
            output.WriteLine(FaultFigures.Record());
        }
        finally
        {
            await agent.StopAsync();
            EnvironmentFaults.RemoveRepository(repository);
        }
    }

    private async Task<JsonElement> WaitForCopyOutcomeAsync(Guid backupId)
    {
        var deadline = DateTimeOffset.UtcNow + EnvironmentFaults.Bound;
        JsonElement detail = default;
        while (DateTimeOffset.UtcNow < deadline)
        {
            detail = await fixture.Stack.GetAsync($"/api/v1/backups/{backupId}");
            if (detail.GetProperty("backup").TryGetProperty("copies", out var copies) && copies.ValueKind == JsonValueKind.Array && copies.GetArrayLength() > 0)
            {
                return detail;
            }

            await Task.Delay(200);
        }

        FaultFigures.Stuck();
        throw new TimeoutException($"no copy outcome for {backupId}: {detail}");
    }

    private static IReadOnlyList<string> StoredFiles(S3Server s3) =>
        Directory.Exists(s3.Directory)
            ? Directory.EnumerateFiles(s3.Directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(s3.Directory, f)).ToList()
            : [];

    private static IReadOnlyList<string> LocalFiles(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToList() : [];
}
