using System.Text.Json;
using Ledger.Agent.Repositories;
using Ledger.Cli;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Restores;
using Ledger.ScenarioTests.Restores;
using Marten;
using Npgsql;

namespace Ledger.ScenarioTests.Storage;

/// <summary>
/// The catalog survives the ledger: backups whose streams the ledger lost (deleted from its database, as when the
/// ledger's database is restored from an older copy or rebuilt empty) come back from the bucket's manifests.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_a_repository_is_imported_into_a_ledger_that_lost_its_backups(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = RestoreScenario.Json;
    private StorageAgents Storage => fixture.Storage;

    [Fact]
    public async Task the_restore_points_come_back_verified_with_their_copies_once_and_restore()
    {
        var originals = new[] { await TakeAsync(), await TakeAsync() };
        await ForgetAsync(originals.Select(b => b.Id).ToArray());

        var first = await ImportAsync();

        Assert.Equal(originals.Select(b => b.Id).Order(), first.Imported.Order());
        Assert.DoesNotContain(first.Refused, r => originals.Any(b => r.Key.Contains(b.Id.ToString(), StringComparison.Ordinal)));
        await using (var session = fixture.Store.QuerySession())
        {
            foreach (var original in originals)
            {
                var rebuilt = (await session.LoadAsync<RestorePoint>(original.Id))!;
                Assert.Equal(BackupStatus.Verified, rebuilt.Status);
                Assert.Equal((original.Sha256, original.SizeBytes, original.Repository, original.Key, original.KeyId, original.Timestamp),
                    (rebuilt.Sha256, rebuilt.SizeBytes, rebuilt.Repository, rebuilt.Key, rebuilt.KeyId, rebuilt.Timestamp));
                Assert.Equal(original.TableRowCounts, rebuilt.TableRowCounts);
                Assert.Equal([(StorageAgents.CopyRepository, CopyStatus.Copied)], rebuilt.Copies.Select(c => (c.Repository, c.Status)));
                Assert.StartsWith("import by ", rebuilt.RequestedBy);
            }
        }

        // Importing again adds nothing: the backup ids are the streams' ids.
        var events = await fixture.EventCountAsync();
        var second = await ImportAsync();
        Assert.Empty(second.Imported);
        Assert.Superset(originals.Select(b => b.Id).ToHashSet(), second.AlreadyKnown.ToHashSet());
        Assert.Equal(events, await fixture.EventCountAsync());

        // The manifest was enough to restore it.
        var restore = await fixture.RunCliAsync(Roles.Operator, "restore", originals[1].Id.ToString(), "--target-db", StorageAgents.Target,
            "--confirm", StorageAgents.Target, "--env", StorageAgents.TargetEnvironment, "--wait", "--timeout", "2m", "--json");
        Assert.True(restore.ExitCode == ExitCodes.Ok, restore.Error + restore.Out);
        Assert.Equal(RestoreStatus.Verified, RestoreScenario.ViewOf(restore).Status);
    }

    [Fact]
    public async Task a_manifest_whose_hash_does_not_match_its_artifact_is_refused_and_named()
    {
        var backup = await TakeAsync();
        await ForgetAsync(backup.Id);
        var primary = Storage.RepositoriesOfA.Primary;
        var manifestKey = RepositoryKeys.ManifestFor(backup.Key!);
        var manifest = (await Manifests.ReadAsync(primary, manifestKey, CancellationToken.None))!;
        var forged = new string('0', 64);
        await Manifests.WriteAsync(primary, backup.Key!, manifest with { Taken = manifest.Taken with { Sha256 = forged } }, CancellationToken.None);

        var run = await fixture.RunCliAsync(Roles.Operator, "repository", "import", "--env", StorageAgents.SourceEnvironment,
            "--repository", StorageAgents.PrimaryRepository, "--json");

        Assert.True(run.ExitCode == ExitCodes.BackupFailed, $"exit {run.ExitCode}: {run.Error}");
        var import = JsonSerializer.Deserialize<RepositoryImportRun>(run.Out, Json)!;
        var refused = Assert.Single(import.Refused, r => r.Key == manifestKey);
        Assert.Contains($"the manifest records {backup.SizeBytes} bytes with {forged}", refused.Reason);
        Assert.Contains(backup.Sha256!, refused.Reason);
        Assert.DoesNotContain(backup.Id, import.Imported);
        await using var session = fixture.Store.QuerySession();
        Assert.Null(await session.LoadAsync<RestorePoint>(backup.Id));
    }

    [Fact]
    public async Task a_repository_the_agent_is_not_configured_with_is_refused_as_a_whole()
    {
        var run = await fixture.RunCliAsync(Roles.Operator, "repository", "import", "--env", StorageAgents.SourceEnvironment,
            "--repository", "s3://dgl-flaky/elsewhere", "--json");

        Assert.True(run.ExitCode == ExitCodes.BackupFailed, $"exit {run.ExitCode}: {run.Error}");
        var import = JsonSerializer.Deserialize<RepositoryImportRun>(run.Out, Json)!;
        Assert.Equal(ImportStatus.Failed, import.Status);
        Assert.Contains("is not one of this agent's repositories", import.Failure);
        Assert.Empty(import.Imported);
    }

    private async Task<RepositoryImportRun> ImportAsync()
    {
        var run = await fixture.RunCliAsync(Roles.Operator, "repository", "import", "--env", StorageAgents.SourceEnvironment,
            "--repository", StorageAgents.PrimaryRepository, "--json");
        Assert.True(run.ExitCode is ExitCodes.Ok or ExitCodes.BackupFailed, $"import: exit {run.ExitCode}: {run.Error}");
        var import = JsonSerializer.Deserialize<RepositoryImportRun>(run.Out, Json)!;
        Assert.Equal(ImportStatus.Imported, import.Status);
        return import;
    }

    private async Task<RestorePoint> TakeAsync()
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", StorageAgents.SourceEnvironment,
            "--db", StorageAgents.Source, "--wait", "--timeout", "2m", "--json");
        Assert.True(take.ExitCode == ExitCodes.Ok, $"backup: exit {take.ExitCode}: {take.Error}");
        var id = JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup.Id;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var session = fixture.Store.QuerySession();
            var backup = (await session.LoadAsync<RestorePoint>(id))!;
            if (backup.Copies.Count > 0 || DateTimeOffset.UtcNow > deadline)
            {
                return backup;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The ledger loses these backups: their streams and restore points are deleted from its database.</summary>
    private async Task ForgetAsync(params Guid[] ids)
    {
        await using var connection = new NpgsqlConnection(fixture.Stack.LedgerConnectionString);
        await connection.OpenAsync();
        foreach (var sql in new[]
                 {
                     "delete from ledger.mt_events where stream_id = any($1)",
                     "delete from ledger.mt_streams where id = any($1)",
                     "delete from ledger.mt_doc_restorepoint where id = any($1)",
                 })
        {
            await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = ids } } };
            await command.ExecuteNonQueryAsync();
        }
    }
}
