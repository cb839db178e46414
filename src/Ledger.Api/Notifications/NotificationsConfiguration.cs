using Ledger.Contracts.Notifications;
using Marten;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;

namespace Ledger.Api.Notifications;

public static class NotificationsConfiguration
{
    public const string Queue = "notifications";

    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        var options = NotificationOptions.From(configuration);
        services.AddSingleton(options);
        services.AddHttpClient(DeliverWebhookHandler.HttpClientName, c => c.Timeout = options.Timeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            // The factory's request logging prints the URL, and a webhook URL can be a secret (Slack's are): no logging here.
            .RemoveAllLoggers();
        services.AddHostedService<SilenceWatchService>();
        // Follows the event log after commit (Marten's async daemon), never inside the operation that appended the event.
        services.SubscribeToEvents(new NotificationSubscription());
        return services;
    }

    public static StoreOptions AddNotifications(this StoreOptions store)
    {
        store.Schema.For<WebhookDelivery>()
            // An enum: indexed in the JSON, where it has its wire name (see BackupsConfiguration).
            .Index(x => x.Status)
            .Duplicate(x => x.CreatedAt)
            .Index([x => x.CreatedAt, x => x.Id], i => i.Name = "mt_doc_webhookdelivery_idx_list");
        store.Schema.For<NotificationMarker>().Identity(x => x.Id);
        return store;
    }

    /// <summary>Deliveries run on their own durable local queue, each failed attempt retried after the configured delays.</summary>
    public static void AddNotifications(this WolverineOptions opts, NotificationOptions options)
    {
        opts.LocalQueue(Queue).UseDurableInbox();
        opts.PublishMessage<NotificationRaised>().ToLocalQueue(Queue);
        opts.PublishMessage<DeliverWebhook>().ToLocalQueue(Queue);
        opts.Policies.OnException<WebhookDeliveryFailedException>().ScheduleRetry([.. options.Delays]);
    }
}
