using System.Security.Cryptography;
using Ledger.Agent.Repositories;
using Ledger.Testing.Stack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ledger.ScenarioTests.Storage;

/// <summary>
/// The storage part of the shared stack: a real s3rver on loopback with three buckets, and two further agents that share
/// nothing but the bucket. Agent A serves <c>s3-prod/dg_s3</c> (a DecisionGraph source holding a known marker row) and
/// the restore target <c>s3-test/dg_s3_restored</c>; it writes to <c>s3://dgl-primary/fleet</c>, copies to
/// <c>s3://dgl-copy/offsite</c> and encrypts with key <c>k1</c> (file; <c>k0</c> from an environment variable is accepted
/// for reading). Agent B serves <c>s3-other/dg_s3_other</c> from the same bucket, but its key <c>k1</c> is another key.
/// </summary>
public sealed class StorageAgents : IAsyncDisposable
{
    public const string SourceEnvironment = "s3-prod";
    public const string Source = "dg_s3";
    public const string TargetEnvironment = "s3-test";
    public const string Target = "dg_s3_restored";
    public const string OtherEnvironment = "s3-other";
    public const string OtherTarget = "dg_s3_other";
    public const string PrimaryBucket = "dgl-primary";
    public const string CopyBucket = "dgl-copy";
    public const string PrimaryRepository = "s3://dgl-primary/fleet";
    public const string CopyRepository = "s3://dgl-copy/offsite";
    public const string AgentA = "storage-a";
    public const string AgentB = "storage-b";
    public const string ActiveKeyId = "k1";
    public const string KeyVariable = "DGLEDGER_TEST_STORAGE_KEY_K0";

    /// <summary>A row of the source whose text must never appear in a stored (encrypted) object.</summary>
    public string Marker { get; } = "plaintext-marker-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public S3Server S3 { get; private set; } = null!;
    public IHost A { get; private set; } = null!;
    public IHost B { get; private set; } = null!;
    public CapturedLogs LogsA { get; } = new();
    public CapturedLogs LogsB { get; } = new();
    public string KeyText { get; } = KeyRing.NewKeyText();
    public string OldKeyText { get; } = KeyRing.NewKeyText();
    public string WrongKeyText { get; } = KeyRing.NewKeyText();
    public string Work { get; } = Path.Combine(Path.GetTempPath(), "dgledger-storage-" + Guid.NewGuid().ToString("N")[..8]);

    public static async Task<StorageAgents> StartAsync(EmbeddedStack stack)
    {
        var storage = new StorageAgents();
        Directory.CreateDirectory(storage.Work);
        storage.S3 = await S3Server.StartAsync([PrimaryBucket, CopyBucket, "dgl-flaky"]);
        var pg = stack.Postgres;
        var source = await Restores.DecisionGraphSources.HealthyAsync(pg, Source, Restores.DecisionGraphSources.SchemaPath());
        await using (var connection = new NpgsqlConnection(source))
        {
            await connection.OpenAsync();
            await using (var create = new NpgsqlCommand("create schema storage_test; create table storage_test.marker(id int primary key, note text not null)", connection))
            {
                await create.ExecuteNonQueryAsync();
            }

            await using var insert = new NpgsqlCommand("insert into storage_test.marker values (1, $1)", connection) { Parameters = { new() { Value = storage.Marker } } };
            await insert.ExecuteNonQueryAsync();
        }

        var keyFile = Path.Combine(storage.Work, "k1.key");
        await File.WriteAllTextAsync(keyFile, storage.KeyText);
        var wrongKeyFile = Path.Combine(storage.Work, "k1-other.key");
        await File.WriteAllTextAsync(wrongKeyFile, storage.WrongKeyText);
        Environment.SetEnvironmentVariable(KeyVariable, storage.OldKeyText);

        var off = new Dictionary<string, string?> { ["Schedule"] = "off" };
        storage.A = await stack.StartAgentAsync(AgentA,
            [
                new EmbeddedDatabase(SourceEnvironment, Source, source, Contracts.Agents.DatabaseRoles.Primary, off),
                new EmbeddedDatabase(TargetEnvironment, Target, pg.ConnectionStringFor(Target), Contracts.Agents.DatabaseRoles.NonPrimary, off),
            ],
            new Dictionary<string, string?>(storage.S3.AgentSettings())
            {
                ["Agent:Repository"] = PrimaryRepository,
                ["Agent:Copies:0"] = CopyRepository,
                // Uncompressed, so that the marker row is in the plaintext archive and only encryption keeps it out of the object.
                ["Agent:CompressionLevel"] = "0",
                ["Agent:WorkDirectory"] = Path.Combine(storage.Work, "work-a"),
                ["Agent:Encryption:ActiveKeyId"] = ActiveKeyId,
                ["Agent:Encryption:Keys:0:Id"] = "k0",
                ["Agent:Encryption:Keys:0:EnvironmentVariable"] = KeyVariable,
                ["Agent:Encryption:Keys:1:Id"] = ActiveKeyId,
                ["Agent:Encryption:Keys:1:File"] = keyFile,
                ["Logging:LogLevel:Default"] = "Debug",
            },
            b => b.Logging.AddProvider(storage.LogsA));
        storage.B = await stack.StartAgentAsync(AgentB,
            [new EmbeddedDatabase(OtherEnvironment, OtherTarget, pg.ConnectionStringFor(OtherTarget), Contracts.Agents.DatabaseRoles.NonPrimary, off)],
            new Dictionary<string, string?>(storage.S3.AgentSettings())
            {
                ["Agent:Repository"] = PrimaryRepository,
                ["Agent:WorkDirectory"] = Path.Combine(storage.Work, "work-b"),
                ["Agent:Encryption:Keys:0:Id"] = ActiveKeyId,
                ["Agent:Encryption:Keys:0:File"] = wrongKeyFile,
                ["Logging:LogLevel:Default"] = "Debug",
            },
            b => b.Logging.AddProvider(storage.LogsB));
        return storage;
    }

    public BackupRepositories RepositoriesOfA => A.Services.GetRequiredService<BackupRepositories>();

    public async ValueTask DisposeAsync()
    {
        foreach (var host in new[] { A, B })
        {
            if (host is not null)
            {
                await host.StopAsync(TimeSpan.FromSeconds(10));
                ((IDisposable)host).Dispose();
            }
        }

        if (S3 is not null)
        {
            await S3.DisposeAsync();
        }

        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
