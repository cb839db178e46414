using Ledger.Contracts.Common;
using Ledger.Contracts.Notifications;
using Marten;
using Wolverine;

namespace Ledger.Api.Notifications;

/// <summary>
/// Fans a notification out to the webhooks that want its kind and environment: one <see cref="WebhookDelivery"/> record
/// and one <see cref="DeliverWebhook"/> message each, in one transaction (the outbox). The delivery id is derived from the
/// notification and the webhook, so a redelivered notification changes nothing.
/// </summary>
public static class NotificationRaisedHandler
{
    public static async Task<OutgoingMessages> Handle(NotificationRaised raised, NotificationOptions options, IDocumentSession session,
        DateTimeOffset now, CancellationToken ct)
    {
        var outgoing = new OutgoingMessages();
        foreach (var hook in options.Webhooks.Where(w => w.Wants(raised.Notification)))
        {
            var id = DeliveryId(raised.Notification.Id, hook.Name);
            if (await session.LoadAsync<WebhookDelivery>(id, ct) is not null)
            {
                continue;
            }

            var n = raised.Notification;
            session.Store(new WebhookDelivery
            {
                Id = id, Webhook = hook.Name, Kind = n.Kind, Environment = n.Environment, Database = n.Database, Subject = n.Subject,
                Summary = n.Summary, NotificationId = n.Id, Status = DeliveryStatus.Pending, MaxAttempts = options.MaxAttempts, CreatedAt = now,
            });
            outgoing.Add(new DeliverWebhook(id, hook.Name, n));
        }

        return outgoing;
    }

    public static Guid DeliveryId(Guid notificationId, string webhook) => DeterministicIds.For("delivery", notificationId.ToString("N"), webhook);
}
