using System.Text;
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

[Collection(LedgerCollection.Name)]
public sealed class when_backups_live_in_a_bucket(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = RestoreScenario.Json;
    private StorageAgents Storage => fixture.Storage;

    [Fact]
    public async Task a_backup_streams_encrypted_to_the_bucket_is_copied_and_restores_identically()
    {
        var backup = await TakeAsync();

        Assert.Equal(StorageAgents.PrimaryRepository, backup.Repository);
        Assert.StartsWith($"{StorageAgents.SourceEnvironment}/{StorageAgents.Source}/{StorageAgents.Source}-", backup.Key);
        Assert.Equal($"{StorageAgents.PrimaryRepository}/{backup.Key}", backup.ArtifactPath);
        Assert.Equal(StorageAgents.ActiveKeyId, backup.KeyId);

        // The stored object is the encrypted archive: its SHA-256 and size are the recorded ones, and the marker row's
        // text, which the uncompressed plaintext archive holds, is not in it.
        var stored = await File.ReadAllBytesAsync(Storage.S3.ObjectFile(StorageAgents.PrimaryBucket, "fleet/" + backup.Key));
        Assert.Equal(backup.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stored)));
        Assert.Equal(backup.SizeBytes, stored.LongLength);
        Assert.True(ArtifactEncryption.IsEncrypted(stored));
        Assert.Equal(-1, stored.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Storage.Marker)));
        var repositories = Storage.RepositoriesOfA;
        await using (var plain = await repositories.OpenPlaintextAsync(repositories.Primary, backup.Key!, backup.KeyId, CancellationToken.None))
        {
            using var buffer = new MemoryStream();
            await plain.CopyToAsync(buffer);
            Assert.Equal("PGDMP", Encoding.ASCII.GetString(buffer.GetBuffer(), 0, 5));
            Assert.True(buffer.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(Storage.Marker)) >= 0, "the plaintext archive holds the marker row");
        }

        // The copy: its own event, the same bytes in the second bucket, and the manifests list it.
        var copy = Assert.Single(backup.Copies);
        Assert.Equal((StorageAgents.CopyRepository, CopyStatus.Copied, backup.Key, backup.Sha256), (copy.Repository, copy.Status, copy.Key, copy.Sha256));
        var copied = await File.ReadAllBytesAsync(Storage.S3.ObjectFile(StorageAgents.CopyBucket, "offsite/" + backup.Key));
        Assert.Equal(stored, copied);
        foreach (var (bucket, prefix) in new[] { (StorageAgents.PrimaryBucket, "fleet/"), (StorageAgents.CopyBucket, "offsite/") })
        {
            var manifest = Manifests.Parse(await File.ReadAllBytesAsync(Storage.S3.ObjectFile(bucket, prefix + RepositoryKeys.ManifestFor(backup.Key!))))!;
            Assert.Equal(BackupManifest.CurrentVersion, manifest.FormatVersion);
            Assert.Equal(backup.Sha256, manifest.Taken.Sha256);
            Assert.Equal(StorageAgents.ActiveKeyId, manifest.KeyId);
            Assert.Equal([StorageAgents.CopyRepository], manifest.Copies.Select(c => c.Repository));
            Assert.NotNull(manifest.VerifiedAt);
        }

        var show = await fixture.RunCliAsync(Roles.Reader, "backups", "show", backup.Id.ToString());
        Assert.Contains(StorageAgents.CopyRepository, show.Out);
        Assert.Contains("key 'k1'", show.Out);

        var view = await RestoreAsync(backup.Id, ExitCodes.Ok);
        Assert.Equal(RestoreStatus.Verified, view.Status);
        Assert.Equal(CheckOutcomes.Passed, view.Checks.Single(c => c.Name == CheckNames.Fidelity).Outcome);
        Assert.Equal(Storage.Marker, await MarkerAsync(StorageAgents.Target));
        AssertNoDownloadsLeft();
    }

    [Fact]
    public async Task an_operator_decrypts_the_bucket_object_by_hand_and_pg_restore_reads_the_archive()
    {
        // The runbook's last resort: the ledger and the agent are gone, the object is fetched from the bucket, and the
        // agent's binary decrypts it with the key file alone.
        var backup = await TakeAsync();
        var stored = Storage.S3.ObjectFile(StorageAgents.PrimaryBucket, "fleet/" + backup.Key);
        var output = Path.Combine(Storage.Work, $"by-hand-{backup.Id:N}.dump");
        var error = new StringWriter();
        try
        {
            var code = await DecryptCommandLine.RunAsync(["decrypt", stored, "--out", output,
                $"--Agent:Encryption:Keys:0:Id={StorageAgents.ActiveKeyId}", $"--Agent:Encryption:Keys:0:File={Path.Combine(Storage.Work, "k1.key")}"],
                TextWriter.Null, error, () => Stream.Null);

            Assert.True(code == 0, error.ToString());
            var tools = Ledger.Postgres.PgToolPaths.Locate();
            var list = await Ledger.Postgres.PgProcessRunner.Default.RunAsync(new Ledger.Postgres.PgCommand(tools.PgRestore, ["--list", output]), null,
                CancellationToken.None);
            Assert.True(list.Succeeded, list.StderrTail);
            Assert.Contains("TABLE DATA public dg_event_log", list.StdoutText);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task a_restore_reads_the_copy_when_the_primary_object_is_gone()
    {
        var backup = await TakeAsync();
        Assert.True(await Storage.RepositoriesOfA.Primary.DeleteAsync(backup.Key!, CancellationToken.None) > 0);

        var view = await RestoreAsync(backup.Id, ExitCodes.Ok);

        Assert.Equal(RestoreStatus.Verified, view.Status);
        Assert.Equal(Storage.Marker, await MarkerAsync(StorageAgents.Target));
        AssertNoDownloadsLeft();
    }

    [Fact]
    public async Task an_object_altered_in_every_copy_is_caught_before_the_target_is_touched()
    {
        var backup = await TakeAsync();
        await RestoreAsync(backup.Id, ExitCodes.Ok);
        await SetMarkerAsync(StorageAgents.Target, "written after the restore");
        foreach (var file in new[]
                 {
                     Storage.S3.ObjectFile(StorageAgents.PrimaryBucket, "fleet/" + backup.Key),
                     Storage.S3.ObjectFile(StorageAgents.CopyBucket, "offsite/" + backup.Key),
                 })
        {
            var bytes = await File.ReadAllBytesAsync(file);
            bytes[bytes.Length / 2] ^= 0x40;
            await File.WriteAllBytesAsync(file, bytes);
        }

        var run = await fixture.RunCliAsync(Roles.Operator, "restore", backup.Id.ToString(), "--target-db", StorageAgents.Target,
            "--confirm", StorageAgents.Target, "--env", StorageAgents.TargetEnvironment, "--wait", "--timeout", "2m", "--json");

        Assert.Equal(ExitCodes.RestoreFailed, run.ExitCode);
        var failed = await FailureOfAsync(RestoreScenario.ViewOf(run).Id);
        Assert.Equal(RestoreStages.Checksum, failed.Stage);
        Assert.False(failed.TargetTouched);
        Assert.True(failed.Reason.Contains($"{StorageAgents.PrimaryRepository}: SHA-256 mismatch", StringComparison.Ordinal), failed.Reason);
        Assert.Contains($"{StorageAgents.CopyRepository}: SHA-256 mismatch", failed.Reason);
        Assert.Equal("written after the restore", await MarkerAsync(StorageAgents.Target));
        AssertNoDownloadsLeft();
    }

    [Fact]
    public async Task another_agent_on_the_same_bucket_with_a_wrong_key_refuses_before_the_target_is_touched()
    {
        var backup = await TakeAsync();
        await fixture.Stack.Postgres.DropDatabaseAsync(StorageAgents.OtherTarget);

        var run = await fixture.RunCliAsync(Roles.Operator, "restore", backup.Id.ToString(), "--target-db", StorageAgents.OtherTarget,
            "--confirm", StorageAgents.OtherTarget, "--env", StorageAgents.OtherEnvironment, "--wait", "--timeout", "2m", "--json");

        Assert.Equal(ExitCodes.RestoreFailed, run.ExitCode);
        var failed = await FailureOfAsync(RestoreScenario.ViewOf(run).Id);
        Assert.Equal(StorageAgents.AgentB, failed.AgentId);
        Assert.Equal(RestoreStages.Checksum, failed.Stage);
        Assert.False(failed.TargetTouched);
        Assert.Contains("does not authenticate with key 'k1': the key is wrong", failed.Reason);
        Assert.False(await ExistsAsync(StorageAgents.OtherTarget));
        Assert.Empty(Directory.GetFiles(Path.Combine(Storage.Work, "work-b")));
    }

    [Fact]
    public async Task no_secret_reaches_events_documents_heartbeats_logs_or_the_cli()
    {
        var backup = await TakeAsync();
        await RestoreAsync(backup.Id, ExitCodes.Ok);
        var show = await fixture.RunCliAsync(Roles.Reader, "backups", "show", backup.Id.ToString(), "--json");
        var agents = await fixture.RunCliAsync(Roles.Reader, "agents", "list", "--json");

        var secrets = new[] { Storage.S3.SecretAccessKey, Storage.KeyText, Storage.OldKeyText, Storage.WrongKeyText };
        var texts = new List<(string Where, string Text)> { ("backups show", show.Out), ("agents list", agents.Out) };
        texts.AddRange(Storage.LogsA.Lines.Select(l => ("agent A's log", l)));
        texts.AddRange(Storage.LogsB.Lines.Select(l => ("agent B's log", l)));
        await using (var connection = new NpgsqlConnection(fixture.Stack.LedgerConnectionString))
        {
            await connection.OpenAsync();
            var tables = new List<string>();
            await using (var list = new NpgsqlCommand(
                             "select table_schema || '.' || table_name from information_schema.tables where table_schema in ('ledger', 'dgledger_queues') and table_type = 'BASE TABLE'",
                             connection))
            await using (var reader = await list.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            foreach (var table in tables)
            {
                await using var dump = new NpgsqlCommand($"select coalesce(string_agg(t::text, E'\\n'), '') from {table} t", connection);
                texts.Add((table, (string)(await dump.ExecuteScalarAsync())!));
            }
        }

        Assert.Contains(texts, t => t.Text.Contains(StorageAgents.PrimaryRepository, StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(texts, t => t.Text.Contains(secret, StringComparison.Ordinal));
        }
    }

    private async Task<RestorePoint> TakeAsync()
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", StorageAgents.SourceEnvironment,
            "--db", StorageAgents.Source, "--wait", "--timeout", "2m", "--json");
        Assert.True(take.ExitCode == ExitCodes.Ok, $"backup: exit {take.ExitCode}: {take.Error} {take.Out}");
        var id = JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup.Id;
        // Copies are made after the verification: wait for the copy's event.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var session = fixture.Store.QuerySession();
            var backup = (await session.LoadAsync<RestorePoint>(id))!;
            if (backup.Copies.Count > 0 || DateTimeOffset.UtcNow > deadline)
            {
                Assert.Equal(BackupStatus.Verified, backup.Status);
                return backup;
            }

            await Task.Delay(100);
        }
    }

    private async Task<RestoreView> RestoreAsync(Guid backupId, int expectedExit)
    {
        var run = await fixture.RunCliAsync(Roles.Operator, "restore", backupId.ToString(), "--target-db", StorageAgents.Target,
            "--confirm", StorageAgents.Target, "--env", StorageAgents.TargetEnvironment, "--wait", "--timeout", "2m", "--json");
        Assert.True(run.ExitCode == expectedExit, $"restore: exit {run.ExitCode}: {run.Error} {run.Out}");
        return RestoreScenario.ViewOf(run);
    }

    private async Task<RestoreFailed> FailureOfAsync(Guid restoreId)
    {
        await using var session = fixture.Store.QuerySession();
        return (await session.Events.FetchStreamAsync(restoreId)).Select(e => e.Data).OfType<RestoreFailed>().Single();
    }

    private async Task<string?> MarkerAsync(string database)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.Stack.Postgres.ConnectionStringFor(database)) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select note from storage_test.marker where id = 1", connection);
        return (string?)await command.ExecuteScalarAsync();
    }

    private async Task SetMarkerAsync(string database, string note)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.Stack.Postgres.ConnectionStringFor(database)) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("update storage_test.marker set note = $1 where id = 1", connection) { Parameters = { new() { Value = note } } };
        await command.ExecuteNonQueryAsync();
    }

    private async Task<bool> ExistsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(fixture.Stack.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select exists (select 1 from pg_database where datname = $1)", connection) { Parameters = { new() { Value = database } } };
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private void AssertNoDownloadsLeft() => Assert.Empty(Directory.GetFiles(Path.Combine(Storage.Work, "work-a")));
}
