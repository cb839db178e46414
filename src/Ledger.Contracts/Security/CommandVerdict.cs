using System.Text.Json.Serialization;
using Ledger.Contracts.Common;

namespace Ledger.Contracts.Security;

/// <summary>An agent's verdict on a command; the wire names are those of <see cref="CommandRefused.Verdict"/>.</summary>
[JsonConverter(typeof(WireEnumConverter<CommandVerdict>))]
public enum CommandVerdict
{
    [JsonStringEnumMemberName("valid")] Valid,
    /// <summary>No signature, or a header missing or not in the documented form.</summary>
    [JsonStringEnumMemberName("unsigned")] Unsigned,
    /// <summary>No trusted public key verifies the signature: forged, changed after signing, or another ledger's key.</summary>
    [JsonStringEnumMemberName("bad-signature")] BadSignature,
    /// <summary>Signed for another environment's queue, or for one this agent does not serve.</summary>
    [JsonStringEnumMemberName("wrong-environment")] WrongEnvironment,
    [JsonStringEnumMemberName("expired")] Expired,
    [JsonStringEnumMemberName("not-yet-valid")] NotYetValid,
}
