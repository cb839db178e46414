using System.Text.Json;
using Ledger.Contracts.Notifications;

namespace Ledger.Api.Notifications;

/// <summary>The bytes a webhook receives: the notification as JSON, or a Slack-compatible <c>{"text": ...}</c> (pure).</summary>
public static class WebhookBodies
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static byte[] For(string format, Notification n) => format == WebhookFormats.Slack
        ? JsonSerializer.SerializeToUtf8Bytes(new { text = SlackText(n) }, Json)
        : JsonSerializer.SerializeToUtf8Bytes(n, Json);

    public static string SlackText(Notification n)
    {
        var where = n.Database is null ? n.Environment : $"{n.Environment}/{n.Database}";
        return $"*DgLedger: {n.Kind}* ({where})\n{n.Summary}";
    }
}
