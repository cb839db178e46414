using System.Text.Json.Serialization;
using Ledger.Contracts.Common;

namespace Ledger.Contracts.Drills;

/// <summary>Where a drill stands.</summary>
[JsonConverter(typeof(WireEnumConverter<DrillStatus>))]
public enum DrillStatus
{
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("passed")] Passed,
    /// <summary>Completed, but post-restore verification failed.</summary>
    [JsonStringEnumMemberName("verification-failed")] VerificationFailed,
    [JsonStringEnumMemberName("failed")] Failed,
}

public static class DrillStatusExtensions
{
    public static bool IsFinal(this DrillStatus status) => status is DrillStatus.Passed or DrillStatus.VerificationFailed or DrillStatus.Failed;
}
