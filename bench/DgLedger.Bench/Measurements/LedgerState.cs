using System.Diagnostics;
using System.Security.Cryptography;
using DgLedger.Bench.Infrastructure;
using Ledger.Api;
using Ledger.Contracts.Backups;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DgLedger.Bench.Measurements;

/// <summary>
/// Fills a ledger database with synthetic backup streams, appended through the ledger's own Marten store (the
/// ledger host built in-process, so the inline restore-point projection writes the read model exactly as in
/// production). Each backup is BackupRequested, BackupStarted, BackupTaken, BackupVerified: 4 events.
/// The shape: 1,000 daily backups per (environment, database), one in ten pre-upgrade (a new release every ten
/// days), a few manual; the newest backup of each database is a verified pre-upgrade one at release
/// <see cref="CurrentRelease"/>, taken minutes before loading.
/// </summary>
public static class LedgerState
{
    public const string CurrentRelease = "r-current";
    public const int BackupsPerDatabase = 1000;
    public const int BatchSize = 1000;
    public const int EventsPerBackup = 4;

    /// <summary>Concurrent SaveChanges: measured here, 4 loads about 1.8x faster than 1 (each batch waits on the database).</summary>
    public const int Writers = 4;

    /// <summary>The (environment, database) the latency measurements ask about.</summary>
    public static (string Environment, string Database) Probe => (EnvironmentName(0), DatabaseName(0));

    private static string EnvironmentName(int pair) => $"env-{pair / 10:00}";
    private static string DatabaseName(int pair) => $"db_{pair % 10}";

    private static readonly IReadOnlyList<TableRowCount> Tables =
    [
        .. new[]
        {
            "dg_event_log", "dg_projection_cursors", "dg_cg_nodes", "dg_cg_edges", "dg_trace_summary", "dg_policy_eval_index",
            "dg_precedent_index", "dg_projection_digests", "dg_projection_failures", "dg_projection_runs", "dg_workflow_runtime",
            "dg_workflow_items", "dg_workflow_actions", "dg_workflow_notifications",
        }.Select((t, i) => new TableRowCount("public", t, 1000L * (i + 1))),
    ];

    public sealed record Loaded(int Backups, long Events, TimeSpan Elapsed);

    public static async Task<Loaded> LoadAsync(string ledgerConnectionString, int backups, CancellationToken ct)
    {
        var app = LedgerHost.Build([], b =>
        {
            b.WebHost.UseUrls("http://127.0.0.1:0");
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            // Only this loader: new streams need no version check, and the restore points do not use versions.
            b.Services.ConfigureMarten(o => o.Events.AppendMode = JasperFx.Events.EventAppendMode.Quick);
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Ledger"] = ledgerConnectionString,
                ["Ledger:SoloNode"] = "true",
                ["Ledger:CommandSigning:Key"] = global::Ledger.Api.Security.CommandSigner.GenerateKeyPair().PrivateKey,
                ["Schedules:Enabled"] = "false",
                ["Retention:Enabled"] = "false",
                ["Auth:Tokens:0:Name"] = "loader",
                ["Auth:Tokens:0:Token"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
                ["Auth:Tokens:0:Roles:0"] = "admin",
                ["Logging:LogLevel:Default"] = "Warning",
            });
        });
        await app.StartAsync(ct);
        try
        {
            var store = app.Services.GetRequiredService<IDocumentStore>();
            var pairs = Math.Max(1, backups / BackupsPerDatabase);
            var perPair = backups / pairs;
            var total = pairs * perPair;
            var batches = (total + BatchSize - 1) / BatchSize;
            var now = DateTimeOffset.UtcNow;
            var next = -1;
            var done = 0;
            var clock = Stopwatch.StartNew();

            async Task WriterAsync()
            {
                int batch;
                while ((batch = Interlocked.Increment(ref next)) < batches)
                {
                    await using var session = store.LightweightSession();
                    var end = Math.Min(total, (batch + 1) * BatchSize);
                    for (var n = batch * BatchSize; n < end; n++)
                    {
                        var (id, events) = Backup(n / perPair, n % perPair, now);
                        session.Events.StartStream<RestorePoint>(id, events);
                    }

                    await session.SaveChangesAsync(ct);
                    var finished = Interlocked.Increment(ref done);
                    if (finished % 25 == 0 || finished == batches)
                    {
                        Progress.Say($"ledger state: {Math.Min(total, finished * BatchSize):N0} of {total:N0} backups ({clock.Elapsed.TotalSeconds:0} s)");
                    }
                }
            }

            await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => WriterAsync()));
            return new Loaded(total, (long)total * EventsPerBackup, clock.Elapsed);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    /// <summary>Backup <paramref name="age"/> (0 = newest) of database pair <paramref name="pair"/>.</summary>
    private static (Guid Id, object[] Events) Backup(int pair, int age, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7();
        var environment = EnvironmentName(pair);
        var database = DatabaseName(pair);
        var trigger = age % 10 == 0 ? BackupTriggers.PreUpgrade : age % 25 == 3 ? BackupTriggers.Manual : BackupTriggers.Scheduled;
        var release = age == 0 ? CurrentRelease : $"r{1000 - age / 10}";
        var requestedAt = now.AddMinutes(-5 - pair % 60).AddDays(-age);
        var startedAt = requestedAt.AddSeconds(1);
        var finishedAt = startedAt.AddSeconds(40 + age % 20);
        var sha = Convert.ToHexStringLower(SHA256.HashData(id.ToByteArray()));
        var agent = $"agent-{pair % 7}";
        return (id,
        [
            new BackupRequested(id, environment, database, trigger, release, "bench-loader", requestedAt),
            new BackupStarted(id, agent, startedAt),
            new BackupTaken(id, environment, database, trigger, release, agent, startedAt, finishedAt,
                (long)(finishedAt - startedAt).TotalMilliseconds,
                $"/var/backups/dgledger/{environment}/{database}/{database}-{startedAt:yyyyMMdd-HHmmss}-{id}.dump",
                50_000_000 + age * 1000L, sha, "pg_dump (PostgreSQL) 15.8", "15.8", ["--format=custom", "--compress=6"], Tables),
            new BackupVerified(id, agent, sha, Tables.Count, 5000, finishedAt.AddSeconds(5)),
        ]);
    }
}
