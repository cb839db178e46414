using System.Text.Json.Serialization;
using Ledger.Contracts.Common;

namespace Ledger.Contracts.Notifications;

/// <summary>How one webhook delivery went.</summary>
[JsonConverter(typeof(WireEnumConverter<DeliveryStatus>))]
public enum DeliveryStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("retrying")] Retrying,
    [JsonStringEnumMemberName("delivered")] Delivered,
    /// <summary>Every attempt failed; the message is in Wolverine's dead-letter store.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}
