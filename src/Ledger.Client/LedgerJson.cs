using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Ledger.Contracts.Gates;
using Refit;

namespace Ledger.Client;

/// <summary>JSON as ASP.NET Core writes it (web defaults: camelCase, case-insensitive reads).</summary>
public static class LedgerJson
{
    public static JsonSerializerOptions Web { get; } = Freeze(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>What <c>--json</c> prints: web defaults, indented.</summary>
    public static JsonSerializerOptions Indented { get; } =
        Freeze(new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });

    public static RefitSettings RefitSettings { get; } = new(new SystemTextJsonContentSerializer(Web));

    private static JsonSerializerOptions Freeze(JsonSerializerOptions options)
    {
        // The pipeline's calls (gate check, gate require) read contracts whose serializers are generated at build time:
        // a new process per pipeline step then skips building them by reflection. Everything else uses reflection.
        options.TypeInfoResolver ??= JsonTypeInfoResolver.Combine(PipelineJsonContext.Default, new DefaultJsonTypeInfoResolver());
        options.MakeReadOnly();
        return options;
    }
}

/// <summary>Serializers generated at build time for what <c>dgledger gate check|require</c> send and read.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(FreshBackupAnswer))]
[JsonSerializable(typeof(RequestGate))]
[JsonSerializable(typeof(GateView))]
internal sealed partial class PipelineJsonContext : JsonSerializerContext;
