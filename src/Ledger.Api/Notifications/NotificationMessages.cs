using Ledger.Contracts.Notifications;

namespace Ledger.Api.Notifications;

/// <summary>Something worth telling the webhooks about (published by the subscription and the watcher).</summary>
public sealed record NotificationRaised(Notification Notification);

/// <summary>Deliver one notification to one webhook (durable local queue <c>notifications</c>, retried with backoff).</summary>
public sealed record DeliverWebhook(Guid DeliveryId, string Webhook, Notification Notification);

/// <summary>Look for silent agents and overdue drills now.</summary>
public sealed record WatchForSilence(DateTimeOffset Now);

/// <summary>The answer that a delivery attempt failed; Wolverine's retry policy schedules the next attempt.</summary>
public sealed class WebhookDeliveryFailedException(string message) : Exception(message);
