using System.Text.Json;
using Refit;

namespace Ledger.Cli.Client;

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
        options.TypeInfoResolver ??= JsonSerializerOptions.Default.TypeInfoResolver;
        options.MakeReadOnly();
        return options;
    }
}
