using System.Text.Json.Serialization;
using Ledger.Contracts.Common;

namespace Ledger.Contracts.Restores;

/// <summary>Where a restore (or a plan) stands, derived from its events.</summary>
[JsonConverter(typeof(WireEnumConverter<RestoreStatus>))]
public enum RestoreStatus
{
    [JsonStringEnumMemberName("requested")] Requested,
    [JsonStringEnumMemberName("refused")] Refused,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("writes-blocked")] WritesBlocked,
    [JsonStringEnumMemberName("verifying")] Verifying,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("verified")] Verified,
    [JsonStringEnumMemberName("verification-failed")] VerificationFailed,
    [JsonStringEnumMemberName("planned")] Planned,
}

public static class RestoreStatusExtensions
{
    /// <summary>True once nothing more will happen to the restore (or the plan).</summary>
    public static bool IsFinal(this RestoreStatus status) =>
        status is RestoreStatus.Refused or RestoreStatus.Failed or RestoreStatus.Verified or RestoreStatus.VerificationFailed or RestoreStatus.Planned;
}
