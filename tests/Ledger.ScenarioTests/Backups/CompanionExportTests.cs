using System.Security.Cryptography;
using System.Text.Json;
using Ledger.Agent.Backups;
using Ledger.Agent.Retention;
using Ledger.Cli;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Retention;
using Ledger.Agent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.ScenarioTests.Backups;

/// <summary>
/// BACKUP_AND_RESTORE.md: workflow exports are companions of a backup set, "not a substitute". Backups of
/// rs-cases/dg_exporting fetch them from the DecisionGraph double serving that database.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_a_backup_fetches_decisiongraphs_workflow_exports(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private async Task<RestorePoint> TakeAsync()
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", LedgerFixture.CasesEnvironment,
            "--db", LedgerFixture.ExportingSource, "--wait", "--timeout", "2m", "--json");
        Assert.True(take.ExitCode == ExitCodes.Ok, $"backup: exit {take.ExitCode}: {take.Error}");
        var backup = JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup;
        Assert.Equal(BackupStatus.Verified, backup.Status);
        return backup;
    }

    [Fact]
    public async Task the_open_workflows_are_exported_stored_beside_the_artifact_with_their_sha256_and_listed_by_backups_show()
    {
        fixture.SourceDecisionGraph.Reset();
        var backup = await TakeAsync();

        // The sample has one open (overdue) exception workflow per tenant.
        Assert.Equal(2, backup.Exports.Count);
        Assert.All(backup.Exports, e =>
        {
            Assert.Equal(CompanionExport.Stored, e.Status);
            Assert.StartsWith(CompanionExports.DirectoryFor(backup.ArtifactPath!), e.Path);
            var bytes = File.ReadAllBytes(e.Path!);
            Assert.Equal(e.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
            Assert.Equal(1, JsonDocument.Parse(bytes).RootElement.GetProperty("data").GetProperty("export_version").GetInt32());
        });
        Assert.Equal(["acme", "default"], backup.Exports.Select(e => e.Tenant).Order());
        // The manifest (the sidecar) carries the same exports and hashes.
        Assert.Equal(backup.Exports, Artifacts.ReadSidecar(backup.ArtifactPath!)!.Exports);

        var show = await fixture.RunCliAsync(Roles.Reader, "backups", "show", backup.Id.ToString());
        Assert.Equal(ExitCodes.Ok, show.ExitCode);
        Assert.Contains("Companion exports (2 stored, 0 failed; not restore points)", show.Out);
        Assert.Contains(backup.Exports[0].Sha256!, show.Out);
        Assert.DoesNotContain(LedgerFixture.DecisionGraphToken, show.Out);
    }

    [Fact]
    public async Task a_failed_export_is_recorded_as_failed_and_the_backup_still_verifies()
    {
        fixture.SourceDecisionGraph.Reset();
        fixture.SourceDecisionGraph.Faults.DatabaseDown = true;
        try
        {
            var backup = await TakeAsync();

            Assert.NotEmpty(backup.Exports);
            Assert.All(backup.Exports, e =>
            {
                Assert.Equal(CompanionExport.Failed, e.Status);
                Assert.Null(e.Path);
                Assert.Contains("answered 503 (storage: Failed to start repo", e.Error);
            });
        }
        finally
        {
            fixture.SourceDecisionGraph.Faults.Clear();
        }
    }

    [Fact]
    public async Task a_tampered_export_fails_the_backups_verification()
    {
        fixture.SourceDecisionGraph.Reset();
        var backup = await TakeAsync();
        var taken = Artifacts.ReadSidecar(backup.ArtifactPath!)!;
        var export = taken.Exports![0];
        await File.AppendAllTextAsync(export.Path!, " ");

        var verdict = await fixture.Stack.Agent.Services.GetRequiredService<BackupVerifier>().VerifyAsync(taken, CancellationToken.None);

        var failed = Assert.IsType<BackupVerificationFailed>(verdict);
        Assert.Contains($"companion export {export.Tenant}/{export.WorkflowId}: SHA-256 mismatch (recorded {export.Sha256}", failed.Reason);
    }

    [Fact]
    public async Task with_an_encryption_key_an_export_is_stored_encrypted_and_hashed_as_stored()
    {
        fixture.SourceDecisionGraph.Reset();
        var backup = await TakeAsync();
        var workflows = backup.Exports.Select(e => (e.Tenant, e.WorkflowId)).ToList();
        var agent = fixture.Stack.Agent.Services;
        var database = agent.GetRequiredService<AgentOptions>().Find(LedgerFixture.CasesEnvironment, LedgerFixture.ExportingSource)!;
        var key = Ledger.Agent.Repositories.KeyRing.Of([("exports-key", RandomNumberGenerator.GetBytes(32))]);
        var directory = Path.Combine(Path.GetTempPath(), "dgledger-exports-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var repository = new Ledger.Agent.Repositories.LocalRepository(directory);
            var exports = await CompanionExports.FetchAsync(agent.GetRequiredService<Ledger.Agent.Restores.DecisionGraphClient>(), database,
                repository, "cases/dg_exporting/x.dump", workflows, key.Active, CancellationToken.None);

            Assert.Equal(workflows.Count, exports.Count);
            Assert.All(exports, e =>
            {
                Assert.Equal(CompanionExport.Stored, e.Status);
                var stored = File.ReadAllBytes(e.Path!);
                // The workflow's data never appears as stored; the recorded size and SHA-256 are those of the stored bytes.
                Assert.Equal(-1, stored.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(e.WorkflowId)));
                Assert.Equal(-1, stored.AsSpan().IndexOf("export_version"u8));
                Assert.Equal(e.Sha256, Convert.ToHexStringLower(SHA256.HashData(stored)));
                Assert.Equal(stored.Length, e.SizeBytes);
                using var plain = new Ledger.Agent.Repositories.DecryptingReadStream(new MemoryStream(stored), key, "exports-key");
                var document = JsonDocument.Parse(plain);
                Assert.Equal(1, document.RootElement.GetProperty("data").GetProperty("export_version").GetInt32());
            });
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task the_exports_expire_with_their_backup()
    {
        fixture.SourceDecisionGraph.Reset();
        var backup = await TakeAsync();
        var directory = CompanionExports.DirectoryFor(backup.ArtifactPath!);
        Assert.True(Directory.Exists(directory));
        var agent = fixture.Stack.Agent.Services.GetRequiredService<AgentOptions>();

        var repositories = fixture.Stack.Agent.Services.GetRequiredService<Ledger.Agent.Repositories.BackupRepositories>();
        var expired = (await ExpireBackupHandler.Handle(new ExpireBackup(backup.Id, LedgerFixture.CasesEnvironment, LedgerFixture.ExportingSource,
            backup.ArtifactPath!, "test"), agent, repositories, fixture.Stack.Agent.Services.GetRequiredService<Ledger.Agent.Retention.ArtifactsInUse>(),
            NullLogger<ExpireBackup>.Instance, DateTimeOffset.UtcNow, CancellationToken.None))
            .OfType<BackupExpired>().Single();

        Assert.False(Directory.Exists(directory));
        Assert.False(File.Exists(backup.ArtifactPath));
        Assert.True(expired.BytesFreed > backup.SizeBytes);
    }
}
