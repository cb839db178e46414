using System.Text.Json.Serialization;
using Ledger.Contracts.Common;

namespace Ledger.Contracts.Backups;

/// <summary>Where a backup stands, derived from its events. The wire names are the API's, the events' and the CLI's.</summary>
[JsonConverter(typeof(WireEnumConverter<BackupStatus>))]
public enum BackupStatus
{
    [JsonStringEnumMemberName("requested")] Requested,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("taken")] Taken,
    [JsonStringEnumMemberName("verified")] Verified,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("verification-failed")] VerificationFailed,
    [JsonStringEnumMemberName("missed")] Missed,
    [JsonStringEnumMemberName("expired")] Expired,
}

public static class BackupStatusExtensions
{
    /// <summary>True once nothing more will happen to the backup.</summary>
    public static bool IsFinal(this BackupStatus status) =>
        status is BackupStatus.Verified or BackupStatus.Failed or BackupStatus.VerificationFailed or BackupStatus.Expired;
}
