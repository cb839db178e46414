using System.Text.Json.Serialization;
using Ledger.Contracts.Common;

namespace Ledger.Contracts.Gates;

/// <summary>A gate's verdict so far.</summary>
[JsonConverter(typeof(WireEnumConverter<GateStatus>))]
public enum GateStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("denied")] Denied,
    [JsonStringEnumMemberName("expired")] Expired,
}

public static class GateStatusExtensions
{
    public static bool IsFinal(this GateStatus status) => status is GateStatus.Open or GateStatus.Denied or GateStatus.Expired;
}
