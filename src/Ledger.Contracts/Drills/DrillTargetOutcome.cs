using System.Text.Json;
using System.Text.Json.Serialization;
using Ledger.Contracts.Common;

namespace Ledger.Contracts.Drills;

/// <summary>
/// What became of a drill's target (<see cref="DrillView.TargetOutcome"/>), as a code; <see cref="DrillView.TargetDetail"/>
/// says it in words. On the wire and in events: <c>dropping</c>, <c>dropped</c>, <c>kept</c>, <c>kept-managed</c>,
/// <c>untouched</c>, <c>drop-failed</c>. Events and documents written before the code existed hold a sentence
/// ("kept (--keep)", "drop failed: ..."); <see cref="DrillTargetOutcomeJson"/> reads those as their code. Wire names as
/// the status enums have them (<see cref="WireEnum"/>); the converter is also put on each property that holds a code, so a
/// serializer's own enum converter (Marten's, with enums stored as strings) cannot take its place and refuse an old sentence.
/// </summary>
[JsonConverter(typeof(DrillTargetOutcomeJson))]
public enum DrillTargetOutcome
{
    /// <summary>The ledger asked the agent to drop it and waits for the answer.</summary>
    [JsonStringEnumMemberName("dropping")] Dropping,

    /// <summary>The agent dropped it (or found it already gone).</summary>
    [JsonStringEnumMemberName("dropped")] Dropped,

    /// <summary>The operator asked to keep it (<c>--keep</c>).</summary>
    [JsonStringEnumMemberName("kept")] Kept,

    /// <summary>A database an agent manages (its own backups, possibly an application): a drill never drops it.</summary>
    [JsonStringEnumMemberName("kept-managed")] KeptManaged,

    /// <summary>The restore stopped before it changed (or created) the target: nothing to drop.</summary>
    [JsonStringEnumMemberName("untouched")] Untouched,

    /// <summary>The agent did not drop it; the detail says why. It stays where it is.</summary>
    [JsonStringEnumMemberName("drop-failed")] DropFailed,
}

/// <summary>The codes' words, and the sentences older events hold.</summary>
public static class DrillTargetOutcomes
{
    /// <summary>
    /// The code of a wire name, or of a sentence written before codes existed (kept (--keep), kept: ... managed ...,
    /// untouched: ..., drop failed: ..., dropped (it was already gone), target kept: ...); null for anything else.
    /// </summary>
    public static DrillTargetOutcome? Read(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (WireEnum.TryParse<DrillTargetOutcome>(text, out var code))
        {
            return code;
        }

        return text switch
        {
            _ when text.StartsWith("drop failed", StringComparison.Ordinal) => DrillTargetOutcome.DropFailed,
            _ when text.StartsWith("dropped", StringComparison.Ordinal) => DrillTargetOutcome.Dropped,
            _ when text.StartsWith("kept:", StringComparison.Ordinal) => DrillTargetOutcome.KeptManaged,
            _ when text.StartsWith("untouched", StringComparison.Ordinal) => DrillTargetOutcome.Untouched,
            _ when text.StartsWith("kept", StringComparison.Ordinal) || text.StartsWith("target kept", StringComparison.Ordinal) => DrillTargetOutcome.Kept,
            _ => null,
        };
    }

    /// <summary>The words for a code when the event that set it carried none (events written before details existed).</summary>
    public static string Describe(DrillTargetOutcome code, string environment, string database) => code switch
    {
        DrillTargetOutcome.Dropping => "the ledger asked the agent to drop it",
        DrillTargetOutcome.Dropped => "dropped by the agent",
        DrillTargetOutcome.Kept => "kept on request (--keep)",
        DrillTargetOutcome.KeptManaged => KeptManaged(environment, database),
        DrillTargetOutcome.Untouched => Untouched,
        DrillTargetOutcome.DropFailed => "the agent did not drop it",
        _ => code.ToWire(),
    };

    public static string KeptManaged(string environment, string database) =>
        $"{environment}/{database} is a managed database, which a drill never drops";

    public const string Untouched = "the restore stopped before it changed the target";

    /// <summary>The target existed before the drill: a drill drops only a database its own restore created.</summary>
    public static string NotCreated(string environment, string database) =>
        $"{environment}/{database} existed before the drill (its restore did not create it), so it is kept: a drill drops only a database it created";

    /// <summary>True while the drop has been asked for and not answered.</summary>
    public static bool IsPending(DrillTargetOutcome? outcome) => outcome == DrillTargetOutcome.Dropping;
}

/// <summary>
/// Writes a <see cref="DrillTargetOutcome"/> as its wire name; reads wire names and the sentences of older events (never
/// numbers, like <see cref="WireEnumConverter{T}"/>).
/// </summary>
public sealed class DrillTargetOutcomeJson : JsonConverter<DrillTargetOutcome>
{
    public override DrillTargetOutcome Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String
            ? reader.GetString()
            : throw new JsonException($"A drill target outcome is a string, not {reader.TokenType}.");
        return DrillTargetOutcomes.Read(text) ?? throw new JsonException($"'{text}' is not a drill target outcome.");
    }

    public override void Write(Utf8JsonWriter writer, DrillTargetOutcome value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToWire());
}
