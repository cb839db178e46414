using System.Net.Http.Headers;
using Ledger.Contracts.Notifications;
using Marten;
using Wolverine;

namespace Ledger.Api.Notifications;

/// <summary>
/// One delivery attempt: POST the signed body, record the outcome on the <see cref="WebhookDelivery"/> (in its own session,
/// so a failed attempt stays on record), and on failure throw, so that Wolverine's retry policy for
/// <see cref="WebhookDeliveryFailedException"/> schedules the next attempt after the configured delay and, after the last
/// one, moves the message to the dead-letter store. Neither the URL nor the secret is logged or recorded.
/// </summary>
public static class DeliverWebhookHandler
{
    public const string HttpClientName = "dgledger-webhooks";

    public static async Task Handle(DeliverWebhook message, Envelope envelope, NotificationOptions options, IHttpClientFactory factory,
        IDocumentStore store, TimeProvider clock, ILogger<DeliverWebhook> log, CancellationToken ct)
    {
        var hook = options.Find(message.Webhook);
        var attempt = Math.Max(1, envelope.Attempts);
        var (status, error) = hook is null
            ? (null, $"webhook '{message.Webhook}' is no longer configured")
            : await SendAsync(hook, message, factory, clock, ct);
        var delivered = error is null;
        var final = delivered || hook is null || attempt >= options.MaxAttempts;
        await RecordAsync(store, message.DeliveryId, attempt, status, error, delivered, final, clock.GetUtcNow(), ct);

        if (!delivered)
        {
            log.LogWarning("Webhook {Webhook} delivery {Delivery} ({Kind}) attempt {Attempt} of {Max} failed: {Error}",
                message.Webhook, message.DeliveryId, message.Notification.Kind, attempt, options.MaxAttempts, error);
            if (hook is not null)
            {
                throw new WebhookDeliveryFailedException($"webhook {message.Webhook} answered: {error}");
            }
        }
    }

    private static async Task<(int? Status, string? Error)> SendAsync(WebhookOptions hook, DeliverWebhook message, IHttpClientFactory factory,
        TimeProvider clock, CancellationToken ct)
    {
        var body = WebhookBodies.For(hook.Format, message.Notification);
        var (timestamp, signature) = WebhookSignature.Sign(hook.Secret, clock.GetUtcNow(), body);
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp);
        request.Headers.Add(WebhookSignature.SignatureHeader, signature);
        request.Headers.Add(WebhookSignature.DeliveryHeader, message.DeliveryId.ToString());
        request.Headers.Add(WebhookSignature.EventHeader, message.Notification.Kind);
        try
        {
            using var response = await factory.CreateClient(HttpClientName).SendAsync(request, ct);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? (code, null) : (code, $"HTTP {code}");
        }
        catch (HttpRequestException e)
        {
            // The exception's message names the host, never the path or query (where Slack-style URLs keep their secret).
            return (null, e.HttpRequestError == HttpRequestError.Unknown ? "the request failed" : $"the request failed: {e.HttpRequestError}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, "timed out");
        }
    }

    private static async Task RecordAsync(IDocumentStore store, Guid id, int attempt, int? status, string? error, bool delivered, bool final,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var known = await session.LoadAsync<WebhookDelivery>(id, ct);
        if (known is null)
        {
            return;
        }

        session.Store(known with
        {
            Attempts = Math.Max(known.Attempts, attempt),
            LastStatusCode = status,
            LastError = error,
            LastAttemptAt = now,
            Status = delivered ? DeliveryStatus.Delivered : final ? DeliveryStatus.Failed : DeliveryStatus.Retrying,
            DeliveredAt = delivered ? now : known.DeliveredAt,
        });
        await session.SaveChangesAsync(ct);
    }
}
