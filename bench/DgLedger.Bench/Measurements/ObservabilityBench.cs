using System.Diagnostics;
using System.Security.Cryptography;
using DgLedger.Bench.Infrastructure;
using DgLedger.Bench.Reporting;
using Ledger.Api;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Notifications;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DgLedger.Bench.Measurements;

/// <summary>
/// Measurement 8 (observability, figures only, never asserted): <c>GET /metrics</c> on the loaded ledger state (p50/p99 of
/// sequential scrapes), and a burst of 1,000 failed backups whose notifications go to a webhook on loopback: the append
/// latency of the operations that raise them, against 1,000 in an environment no webhook wants, and how long delivery of
/// all 1,000 takes.
/// </summary>
public static class ObservabilityBench
{
    public const int Burst = 1000;

    public static async Task ScrapeAsync(BenchContext ctx, ServiceProcesses services, LedgerState.Loaded loaded)
    {
        var http = services.Client.Http;
        var scrapes = ctx.Options.Smoke ? 20 : 300;
        var values = new List<double>(scrapes);
        var database = new List<double>(scrapes);
        var health = new List<double>(scrapes);
        var bytes = 0;
        for (var i = 0; i < scrapes + 30; i++)
        {
            // The machine's own cost of a request that reads the database (select 1), alternating with the scrape.
            var baseline = Stopwatch.StartNew();
            using (var ping = await http.GetAsync("/healthz", ctx.Cancellation))
            {
                await ping.Content.ReadAsStringAsync(ctx.Cancellation);
            }

            baseline.Stop();
            var clock = Stopwatch.StartNew();
            using var response = await http.GetAsync("/metrics", ctx.Cancellation);
            var body = await response.Content.ReadAsStringAsync(ctx.Cancellation);
            clock.Stop();
            if (!response.IsSuccessStatusCode || !body.Contains("dgledger_backup_last_verified_timestamp_seconds{", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"GET /metrics answered {(int)response.StatusCode} without the backup series");
            }

            bytes = body.Length;
            if (i >= 30)
            {
                values.Add(clock.Elapsed.TotalMilliseconds);
                health.Add(baseline.Elapsed.TotalMilliseconds);
                if (response.Headers.TryGetValues("Server-Timing", out var timing)
                    && System.Text.RegularExpressions.Regex.Match(string.Join(",", timing), @"db;dur=([0-9.]+)") is { Success: true } m)
                {
                    database.Add(double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        var s = Samples.Of(values);
        var h = Samples.Of(health);
        var d = Samples.Of(database);
        Progress.Say($"GET /metrics: p50 {Format.Ms(s.P50)}, p99 {Format.Ms(s.P99)} (queries p50 {Format.Ms(d.P50)}); /healthz p50 {Format.Ms(h.P50)}");
        ctx.Results.Figure("metrics.scrape.p50.ms", s.P50);
        ctx.Results.Figure("metrics.scrape.p99.ms", s.P99);
        ctx.Results.Figure("metrics.scrape.db.p50.ms", d.P50);
        ctx.Results.Add(new Row("8a", $"`GET /metrics` ({loaded.Backups:N0} backups, {loaded.Events:N0} events; {bytes / 1024.0:0.0} KiB of exposition)",
            $"p50 {Format.Ms(s.P50)}, p99 {Format.Ms(s.P99)} ({s.Count} scrapes; its queries p50 {Format.Ms(d.P50)}, p99 {Format.Ms(d.P99)})",
            $"`GET /healthz` (select 1), alternating: p50 {Format.Ms(h.P50)}, p99 {Format.Ms(h.P99)}", $"{s.P50 / h.P50:0.0}x (p50)", "(figure)", Verdict.Info,
            "Four aggregate queries in one round trip: the outcome counters table, per database two index probes on (environment, database, timestamp), drills and agents."));
    }

    public static async Task BurstAsync(BenchContext ctx)
    {
        var burst = ctx.Options.Smoke ? 100 : Burst;
        var connection = await ctx.Postgres.CreateDatabaseAsync("dgledger_burst", ctx.Cancellation);
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var received = 0;
        var invalid = 0;
        var receiverBuilder = WebApplication.CreateSlimBuilder();
        receiverBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        receiverBuilder.Logging.ClearProviders();
        await using var receiver = receiverBuilder.Build();
        receiver.MapPost("/hook", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            var verdict = WebhookSignature.Verify(secret, http.Request.Headers[WebhookSignature.TimestampHeader], http.Request.Headers[WebhookSignature.SignatureHeader],
                buffer.ToArray(), DateTimeOffset.UtcNow);
            if (verdict == SignatureVerdict.Valid) Interlocked.Increment(ref received);
            else Interlocked.Increment(ref invalid);
            return Results.Ok();
        });
        await receiver.StartAsync(ctx.Cancellation);
        var url = receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var app = LedgerHost.Build([], b =>
        {
            b.WebHost.UseUrls("http://127.0.0.1:0");
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Ledger"] = connection,
                ["Ledger:SoloNode"] = "true",
                ["Ledger:CommandSigning:Key"] = global::Ledger.Api.Security.CommandSigner.GenerateKeyPair().PrivateKey,
                ["Schedules:Enabled"] = "false",
                ["Retention:Enabled"] = "false",
                ["Auth:Tokens:0:Name"] = "bench",
                ["Auth:Tokens:0:Token"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
                ["Auth:Tokens:0:Roles:0"] = "admin",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Notifications:Webhooks:0:Name"] = "bench",
                ["Notifications:Webhooks:0:Url"] = url + "/hook",
                ["Notifications:Webhooks:0:Secret"] = secret,
                ["Notifications:Webhooks:0:Events:0"] = NotificationKinds.BackupFailed,
                ["Notifications:Webhooks:0:Environments:0"] = "loud",
            });
        });
        await app.StartAsync(ctx.Cancellation);
        try
        {
            var store = app.Services.GetRequiredService<IDocumentStore>();
            var quiet = await AppendAsync(store, "quiet", burst, ctx.Cancellation);
            var clock = Stopwatch.StartNew();
            var loud = await AppendAsync(store, "loud", burst, ctx.Cancellation);
            var appended = clock.Elapsed;
            var deadline = DateTimeOffset.UtcNow.AddMinutes(10);
            while (Volatile.Read(ref received) < burst && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(50, ctx.Cancellation);
            }

            var delivered = clock.Elapsed;
            Progress.Say($"webhook burst: {received} of {burst} delivered in {Format.Ms(delivered.TotalMilliseconds)}; append p99 {Format.Ms(loud.P99)} vs {Format.Ms(quiet.P99)} without webhooks");
            ctx.Results.Figure("webhooks.append.p50.ms", loud.P50);
            ctx.Results.Figure("webhooks.append.p99.ms", loud.P99);
            ctx.Results.Figure("webhooks.append_quiet.p99.ms", quiet.P99);
            ctx.Results.Figure("webhooks.burst.delivered.ms", delivered.TotalMilliseconds);
            ctx.Results.Add(new Row("8b", $"append of a failed backup (its own transaction), {burst:N0} in a row, each one notified to a webhook",
                $"p50 {Format.Ms(loud.P50)}, p99 {Format.Ms(loud.P99)}", $"the same, no webhook wants them: p50 {Format.Ms(quiet.P50)}, p99 {Format.Ms(quiet.P99)}",
                $"{loud.P50 / quiet.P50:0.00}x (p50)", "(figure)", Verdict.Info,
                "Notifications follow the event log after commit (async daemon subscription), so the append does not wait for them."));
            ctx.Results.Add(new Row("8c", $"{burst:N0} signed webhook deliveries (durable local queue, loopback receiver verifying each signature)",
                $"{received:N0} delivered {Format.Ms(delivered.TotalMilliseconds)} after the first append ({Format.Ms(appended.TotalMilliseconds)} to append them); {invalid} rejected",
                "–", "–", "(figure)", Verdict.Info));
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            await receiver.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Appends <paramref name="count"/> backups that fail, one transaction each (as the ledger queue's handler does).</summary>
    private static async Task<Samples> AppendAsync(IDocumentStore store, string environment, int count, CancellationToken ct)
    {
        var values = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var id = Guid.CreateVersion7();
            var now = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            await using var session = store.LightweightSession();
            session.Events.StartStream<RestorePoint>(id,
                new BackupRequested(id, environment, "app", BackupTriggers.Manual, null, "bench", now),
                new BackupFailed(id, "bench-agent", "synthetic failure for the webhook burst", null, now));
            await session.SaveChangesAsync(ct);
            values.Add(clock.Elapsed.TotalMilliseconds);
        }

        return Samples.Of(values);
    }
}
