using System.Collections.Concurrent;
using Ledger.Contracts.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ledger.ScenarioTests.Observability;

/// <summary>One request the receiver got, what the documented rule said about it, and what it answered.</summary>
public sealed record ReceivedWebhook(string Path, string? Timestamp, string? Signature, string? Delivery, string? Kind, byte[] Body,
    SignatureVerdict Verdict, int Answered);

/// <summary>
/// A real webhook receiver on a loopback Kestrel port. <c>/hook</c> checks each request with <see cref="WebhookSignature.Verify"/>
/// and a <see cref="ReplayGuard"/> (401 when the rule rejects it), answers 500 to the first valid request of each delivery
/// and 200 afterwards; <c>/always-500</c> always answers 500.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentDictionary<string, bool> _failedOnce = new();
    private readonly ReplayGuard _guard = new();

    private WebhookReceiver(string secret)
    {
        Secret = secret;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hook", async (HttpContext http) =>
        {
            var (request, body) = await ReadAsync(http);
            var verdict = WebhookSignature.Verify(Secret, request.Timestamp, request.Signature, body, DateTimeOffset.UtcNow, _guard);
            var answer = verdict != SignatureVerdict.Valid ? 401 : _failedOnce.TryAdd(request.Delivery ?? "", true) ? 500 : 200;
            _received.Enqueue(request with { Verdict = verdict, Answered = answer });
            return Results.StatusCode(answer);
        });
        _app.MapPost("/always-500", async (HttpContext http) =>
        {
            var (request, body) = await ReadAsync(http);
            var verdict = WebhookSignature.Verify(Secret, request.Timestamp, request.Signature, body, DateTimeOffset.UtcNow);
            _received.Enqueue(request with { Verdict = verdict, Answered = 500 });
            return Results.StatusCode(500);
        });
    }

    public string Secret { get; }
    public Uri Url { get; private set; } = null!;
    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var receiver = new WebhookReceiver(secret);
        await receiver._app.StartAsync();
        receiver.Url = new Uri(receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    /// <summary>Waits (up to <paramref name="timeout"/>, for background delivery) until the received requests satisfy <paramref name="done"/>.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!done(Received) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return Received;
    }

    private static async Task<(ReceivedWebhook Request, byte[] Body)> ReadAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        string? Header(string name) => http.Request.Headers.TryGetValue(name, out var v) ? v.ToString() : null;
        return (new ReceivedWebhook(http.Request.Path, Header(WebhookSignature.TimestampHeader), Header(WebhookSignature.SignatureHeader),
            Header(WebhookSignature.DeliveryHeader), Header(WebhookSignature.EventHeader), body, SignatureVerdict.Malformed, 0), body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
