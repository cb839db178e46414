using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Ledger.Contracts.Common;

/// <summary>
/// The wire form of the ledger's status enums. Every member carries its name as it appears in JSON, in events, in
/// Marten documents and in the CLI (<see cref="JsonStringEnumMemberNameAttribute"/>, e.g. "verification-failed"), and
/// each enum type carries <see cref="WireEnumConverter{T}"/>, so every serializer (ASP.NET, Refit, Wolverine,
/// Marten) writes and reads that form. This class is the one place that maps between the two outside a serializer:
/// query strings, CLI options, SQL literals and text.
/// </summary>
public static class WireEnum
{
    private static readonly ConcurrentDictionary<Type, (IReadOnlyDictionary<string, object> ByWire, IReadOnlyDictionary<object, string> ByValue)> Maps = new();

    /// <summary>The member's wire name ("verification-failed").</summary>
    public static string ToWire<T>(this T value) where T : struct, Enum =>
        Map<T>().ByValue.TryGetValue(value, out var wire) ? wire : throw new ArgumentOutOfRangeException(nameof(value), value, $"not a {typeof(T).Name}");

    /// <summary>Parses a wire name, exactly (case-sensitive, no numbers, no C# names).</summary>
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        if (text is not null && Map<T>().ByWire.TryGetValue(text, out var found))
        {
            value = (T)found;
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>Every wire name of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Names<T>() where T : struct, Enum => [.. Enum.GetValues<T>().Select(v => v.ToWire())];

    private static (IReadOnlyDictionary<string, object> ByWire, IReadOnlyDictionary<object, string> ByValue) Map<T>() where T : struct, Enum =>
        Maps.GetOrAdd(typeof(T), type =>
        {
            var byWire = new Dictionary<string, object>(StringComparer.Ordinal);
            var byValue = new Dictionary<object, string>();
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                var wire = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
                    ?? throw new InvalidOperationException($"{type.Name}.{field.Name} has no [JsonStringEnumMemberName]: its wire name must be explicit");
                var value = field.GetValue(null)!;
                byWire.Add(wire, value);
                byValue.Add(value, wire);
            }
            return (byWire, byValue);
        });
}

/// <summary>
/// The JSON converter of the status enums: wire names only (<see cref="JsonStringEnumMemberNameAttribute"/>), never
/// numbers, so "3" on the wire is an error rather than some status.
/// </summary>
public sealed class WireEnumConverter<T>() : JsonStringEnumConverter<T>(namingPolicy: null, allowIntegerValues: false) where T : struct, Enum;
