using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;

namespace Ledger.Api.OperatorConsole;

/// <summary>One event of a stream as a detail page shows it: its data serialized as the API serializes it.</summary>
public sealed record HistoryRow(long Version, string Type, DateTimeOffset Timestamp, string Json, object Data);

/// <summary>
/// The full event history of a stream, the same events <c>GET /api/v1/backups/{id}</c> returns. A backup's fingerprint
/// (every table, sequence and schema object) is summarised on the page instead of printed inside its event.
/// </summary>
public static class History
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<IReadOnlyList<HistoryRow>> LoadAsync(IQuerySession session, Guid streamId, JsonSerializerOptions json,
        CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(streamId, token: ct);
        return [.. events.Select(e => new HistoryRow(e.Version, e.EventType.Name, e.Timestamp, Render(e.Data, e.EventType, json), e.Data))];
    }

    private static string Render(object data, Type type, JsonSerializerOptions json)
    {
        var node = JsonSerializer.SerializeToNode(data, type, json);
        if (node is JsonObject obj)
        {
            foreach (var name in obj.Select(p => p.Key).Where(k => k.Equals("fingerprint", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                obj[name] = obj[name] is null ? null : JsonValue.Create("(summarised above)");
            }
        }

        return node?.ToJsonString(Indented) ?? "null";
    }
}
