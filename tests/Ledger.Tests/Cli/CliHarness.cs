using Ledger.Client;
using System.Net;
using System.Net.Http.Json;
using Ledger.Cli;
using Ledger.Cli.Client;

namespace Ledger.Tests.Cli;

/// <summary>What one in-process run of dgledger returned and printed.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string All => Out + Error;
}

/// <summary>Runs dgledger in-process with captured output and an environment that holds only what the test gives it.</summary>
public static class CliHarness
{
    public static Task<CliResult> RunAsync(string[] args, IReadOnlyDictionary<string, string?>? environment = null, HttpMessageHandler? handler = null) =>
        RunAsync(CliApp.RunAsync, args, environment, handler);

    /// <summary>Runs dgledger-demo (<c>demo</c>, <c>seed</c>) the same way.</summary>
    public static Task<CliResult> RunDemoToolAsync(string[] args) => RunAsync(DgLedger.Demo.DemoTool.RunAsync, args, null, null);

    private static async Task<CliResult> RunAsync(
        Func<string[], CliOverrides, Task<int>> app, string[] args, IReadOnlyDictionary<string, string?>? environment, HttpMessageHandler? handler)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await app(args, new CliOverrides
        {
            Out = stdout,
            Error = stderr,
            Environment = name => environment?.GetValueOrDefault(name),
            HttpHandler = handler,
        });
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>A fake ledger at the HTTP-handler level: answers with <see cref="Respond"/> and records every request.</summary>
public sealed class StubLedger(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
{
    private readonly List<(HttpMethod Method, Uri Uri, string? Authorization, string? Body)> _requests = [];

    public IReadOnlyList<(HttpMethod Method, Uri Uri, string? Authorization, string? Body)> Requests
    {
        get { lock (_requests) { return [.. _requests]; } }
    }

    public Func<HttpRequestMessage, HttpResponseMessage> Respond { get; } = respond;

    /// <summary>A ledger that must not be called: tests assert its <see cref="Requests"/> stay empty (it would answer 503).</summary>
    public static StubLedger NeverCalled() => new(_ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));

    public static HttpResponseMessage Json<T>(T value, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = JsonContent.Create(value, options: LedgerJson.Web) };

    public static HttpResponseMessage Problem(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/problem+json") };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (_requests)
        {
            _requests.Add((request.Method, request.RequestUri!, request.Headers.Authorization?.ToString(), body));
        }

        var response = Respond(request);
        response.RequestMessage = request;
        return response;
    }
}
