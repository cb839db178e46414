using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using DgLedger.Bench.Infrastructure;
using DgLedger.Bench.Reporting;

namespace DgLedger.Bench.Measurements;

/// <summary>
/// Measurement 7f–7k: the operator console's pages on the synthetic ledger state, as a signed-in browser asks for them
/// (the session cookie from the sign-in form, HTML rendered by the ledger). Sequential GETs on a kept-alive connection,
/// after a warm-up; p50/p99. Figures only: no target is judged.
/// </summary>
public static partial class ConsolePages
{
    private const int MinRequests = 10;
    private static readonly TimeSpan WarmUpBudget = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(45);

    public static async Task RunAsync(BenchContext ctx, ServiceProcesses services, LedgerState.Loaded loaded)
    {
        var (env, db) = LedgerState.Probe;
        var requests = ctx.Options.Smoke ? 10 : 300;
        var state = $"{loaded.Backups:N0} backups, {loaded.Events:N0} events";
        var databases = Math.Max(1, loaded.Backups / LedgerState.BackupsPerDatabase);
        using var browser = await SignInAsync(services, ctx.Cancellation);

        var pages = new (string Id, string Name, string Path, string Marker)[]
        {
            ("7f", $"console overview `/ui`, first page (up to 25 of the {databases:N0} databases, each with its compliance line over 365 days; {state})", "/ui", "id=\"databases\""),
            ("7g", "console timeline `/ui/db/{env}/{db}`, first page (50 backups and what happened among them)", $"/ui/db/{env}/{db}", "data-kind="),
            ("7h", "console timeline, page 10", $"/ui/db/{env}/{db}?page=10", "data-kind="),
            ("7i", "console trends `/ui/db/{env}/{db}/trends` (200 backups charted)", $"/ui/db/{env}/{db}/trends", "circle class=\"point"),
            ("7j", "console compliance page `/ui/compliance` (365 days)", "/ui/compliance", "id=\"report\""),
        };
        foreach (var (id, name, path, marker) in pages)
        {
            var samples = await MeasureAsync(ctx, browser, path, marker, requests);
            ctx.Results.Figure($"console.{id}.p50.ms", samples.P50);
            ctx.Results.Figure($"console.{id}.p99.ms", samples.P99);
            ctx.Results.Add(new Row(id, name, $"p50 {Format.Ms(samples.P50)}, p99 {Format.Ms(samples.P99)} ({samples.Count} requests)",
                "–", "–", "(figure)", Verdict.Info));
        }
    }

    /// <summary>A cookie-keeping client signed in through the form (antiforgery token included), as a browser would.</summary>
    private static async Task<HttpClient> SignInAsync(ServiceProcesses services, CancellationToken ct)
    {
        var http = new HttpClient(new SocketsHttpHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = services.Client.BaseAddress,
            Timeout = TimeSpan.FromMinutes(2),
        };
        var form = await http.GetStringAsync("/ui/signin", ct);
        var csrf = CsrfField().Match(form).Groups[1].Value;
        using var response = await http.PostAsync("/ui/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = services.Token,
            ["__csrf"] = csrf,
        }), ct);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            http.Dispose();
            throw new InvalidOperationException($"signing in to the console answered {(int)response.StatusCode}");
        }

        return http;
    }

    private static async Task<Samples> MeasureAsync(BenchContext ctx, HttpClient http, string path, string marker, int requests)
    {
        var values = new List<double>(requests);
        var budget = Stopwatch.StartNew();
        var warmingUp = true;
        var warmUps = 0;
        while (values.Count < requests)
        {
            if (warmingUp && (warmUps >= Math.Max(3, requests / 10) || budget.Elapsed > WarmUpBudget))
            {
                warmingUp = false;
                budget.Restart();
            }

            if (!warmingUp && values.Count >= MinRequests && budget.Elapsed > TimeBudget)
            {
                break;
            }

            var clock = Stopwatch.StartNew();
            using var response = await http.GetAsync(path, ctx.Cancellation);
            var body = await response.Content.ReadAsStringAsync(ctx.Cancellation);
            clock.Stop();
            if (response.StatusCode != HttpStatusCode.OK || !body.Contains(marker, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode} without '{marker}'");
            }

            if (warmingUp)
            {
                warmUps++;
            }
            else
            {
                values.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        var samples = Samples.Of(values);
        Progress.Say($"GET {path}: p50 {Format.Ms(samples.P50)}, p99 {Format.Ms(samples.P99)} ({samples.Count} requests)");
        return samples;
    }

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
