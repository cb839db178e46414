using Ledger.Contracts.Notifications;

namespace Ledger.Api.Notifications;

/// <summary>One webhook (section <c>Notifications:Webhooks:N</c>). <see cref="Url"/> and <see cref="Secret"/> are secrets: never logged or returned.</summary>
public sealed class WebhookOptions
{
    public string Name { get; set; } = "";
    public string Url { get; set; } = "";
    /// <summary>The shared secret the body is signed with (HMAC-SHA256), at least 16 characters.</summary>
    public string Secret { get; set; } = "";
    /// <summary>Event kinds (<see cref="NotificationKinds"/>); empty means every kind.</summary>
    public List<string> Events { get; set; } = [];
    /// <summary>Environments; empty means every environment.</summary>
    public List<string> Environments { get; set; } = [];
    /// <summary><c>json</c> (the <see cref="Notification"/> record) or <c>slack</c> (<c>{"text": ...}</c>, for Slack-compatible incoming webhooks).</summary>
    public string Format { get; set; } = WebhookFormats.Json;

    public bool Wants(Notification n) =>
        (Events.Count == 0 || Events.Contains(n.Kind)) && (Environments.Count == 0 || Environments.Contains(n.Environment));
}

public static class WebhookFormats
{
    public const string Json = "json";
    public const string Slack = "slack";
}

/// <summary>Section <c>Notifications</c>: the webhooks and how deliveries are retried.</summary>
public sealed class NotificationOptions
{
    public List<WebhookOptions> Webhooks { get; set; } = [];
    /// <summary>The waits between attempts; attempts = retries + 1.</summary>
    public List<TimeSpan> RetryDelays { get; set; } = [];
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>How often the ledger looks for silent agents and overdue drills.</summary>
    public TimeSpan WatchInterval { get; set; } = TimeSpan.FromMinutes(1);

    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
        [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)];

    public IReadOnlyList<TimeSpan> Delays => RetryDelays.Count == 0 ? DefaultRetryDelays : RetryDelays;

    public int MaxAttempts => Delays.Count + 1;

    public WebhookOptions? Find(string name) => Webhooks.FirstOrDefault(w => w.Name == name);

    public static NotificationOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection("Notifications").Get<NotificationOptions>() ?? new NotificationOptions();
        var problems = options.Problems().ToList();
        return problems.Count == 0
            ? options
            : throw new InvalidOperationException("Notifications are misconfigured: " + string.Join("; ", problems) + ".");
    }

    /// <summary>Every problem, each naming its key; never echoes a URL or a secret.</summary>
    public IEnumerable<string> Problems()
    {
        for (var i = 0; i < Webhooks.Count; i++)
        {
            var w = Webhooks[i];
            var key = $"Notifications:Webhooks:{i}";
            if (string.IsNullOrWhiteSpace(w.Name)) yield return $"{key}:Name is not set";
            if (!Uri.TryCreate(w.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                yield return $"{key}:Url must be an absolute http(s) URL";
            if (w.Secret.Length < 16) yield return $"{key}:Secret must be at least 16 characters";
            if (w.Format is not (WebhookFormats.Json or WebhookFormats.Slack)) yield return $"{key}:Format must be 'json' or 'slack'";
            foreach (var kind in w.Events.Where(k => !NotificationKinds.All.Contains(k)))
                yield return $"{key}:Events: '{kind}' is not one of {string.Join(", ", NotificationKinds.All)}";
        }

        foreach (var dup in Webhooks.GroupBy(w => w.Name).Where(g => g.Count() > 1))
            yield return $"Notifications:Webhooks names '{dup.Key}' twice";
        if (RetryDelays.Any(d => d <= TimeSpan.Zero)) yield return "Notifications:RetryDelays must be positive";
        if (Timeout <= TimeSpan.Zero) yield return "Notifications:Timeout must be positive";
        if (WatchInterval <= TimeSpan.Zero) yield return "Notifications:WatchInterval must be positive";
    }
}
