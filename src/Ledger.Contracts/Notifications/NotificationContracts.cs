namespace Ledger.Contracts.Notifications;

/// <summary>
/// What a webhook receives (the JSON body, format <c>json</c>). <see cref="Subject"/> is the backup, restore, drill or gate id
/// (or the agent's name) the notification is about; <see cref="Details"/> are facts such as the reason, never a secret.
/// </summary>
public sealed record Notification(
    Guid Id,
    string Kind,
    string Environment,
    string? Database,
    string Subject,
    string Summary,
    IReadOnlyDictionary<string, string> Details,
    DateTimeOffset OccurredAt);

/// <summary>
/// One notification to one webhook, and how its delivery went. Names the webhook, never its URL or secret (a Slack
/// webhook URL is itself a secret).
/// </summary>
public sealed record WebhookDelivery
{
    public Guid Id { get; init; }
    public string Webhook { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Environment { get; init; } = "";
    public string? Database { get; init; }
    public string Subject { get; init; } = "";
    public string Summary { get; init; } = "";
    public Guid NotificationId { get; init; }
    public DeliveryStatus Status { get; init; } = DeliveryStatus.Pending;
    public int Attempts { get; init; }
    public int MaxAttempts { get; init; }
    public int? LastStatusCode { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? LastAttemptAt { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
}
