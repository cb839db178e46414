using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ledger.Api.Http;

/// <summary>
/// PostgreSQL cannot store a NUL character in text (SQLSTATE 22021), and no name, release, reason or step the ledger
/// records has one. A request carrying one in its path, its query or a JSON string is refused at the edge with a 400
/// problem naming where it was, before any handler or database sees it.
/// </summary>
public static class NulCharacters
{
    public const string Reason = "contains a NUL character (\\u0000), which no value the ledger records may hold";

    public static void UseNulCharacterGuard(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            var where = request.Path.Value?.Contains('\0') == true ? "path"
                : request.Query.FirstOrDefault(q => q.Key.Contains('\0') || q.Value.Any(v => v?.Contains('\0') == true)).Key is { } key
                    ? key.Replace("\0", "\\u0000", StringComparison.Ordinal)
                    : null;
            if (where is not null)
            {
                await Results.Problem(Problems.Invalid(new() { [where] = [$"The {(where == "path" ? "path" : "value")} {Reason}."] }))
                    .ExecuteAsync(context);
                return;
            }

            await next(context);
        });

    /// <summary>Refuses a JSON string with a NUL character while the body is read (Wolverine answers 400).</summary>
    public sealed class RefusingConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            return text is not null && text.Contains('\0') ? throw new JsonException($"A string {Reason}.") : text;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
