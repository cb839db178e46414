using System.Text.Json.Serialization;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Common;

namespace Ledger.Contracts.Backups;

/// <summary>
/// A stored copy of a backup's artifact: the repository (as agents configure it: <c>s3://bucket/prefix</c>, or a local
/// directory) and the key inside it, with the size and SHA-256 of the stored bytes (encrypted bytes, for an encrypted
/// backup). Any agent configured with the same repository can read it.
/// </summary>
public sealed record ArtifactCopy(string Repository, string Key, long SizeBytes, string Sha256);

/// <summary>One copy of a backup as the restore point shows it.</summary>
public sealed record BackupCopyState(string Repository, string? Key, CopyStatus Status, long? SizeBytes, string? Sha256, long? DurationMs,
    string? Reason, DateTimeOffset At);

/// <summary>What became of a copy (wire format: the lower-case names).</summary>
[JsonConverter(typeof(WireEnumConverter<CopyStatus>))]
public enum CopyStatus
{
    [JsonStringEnumMemberName("copied")] Copied,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("expired")] Expired,
}

/// <summary>
/// After a backup was verified, the agent copied its stored bytes to a further repository (<c>Agent:Copies</c>), read the
/// copy back and found the same SHA-256.
/// </summary>
public sealed record BackupCopied(
    Guid BackupId,
    string AgentId,
    string Repository,
    string Key,
    long SizeBytes,
    string Sha256,
    long DurationMs,
    DateTimeOffset CopiedAt) : IAgentReport;

/// <summary>A copy to a further repository failed; the backup itself (and any other copy) stands.</summary>
public sealed record BackupCopyFailed(
    Guid BackupId,
    string AgentId,
    string Repository,
    string Reason,
    DateTimeOffset FailedAt) : IAgentReport;

/// <summary>
/// The manifest stored beside every artifact (<c>.json</c>, written last, rewritten when copies are added): enough to
/// restore the backup and to rebuild its restore point in an empty ledger (<c>dgledger repository import</c>). Format 1
/// was the bare <see cref="BackupTaken"/>; format 2 adds the verification, the copies and the encryption.
/// </summary>
public sealed record BackupManifest(
    int FormatVersion,
    BackupTaken Taken,
    DateTimeOffset? VerifiedAt,
    IReadOnlyList<ArtifactCopy> Copies,
    string? KeyId,
    string? Encryption)
{
    public const int CurrentVersion = 2;

    /// <summary>How encrypted artifacts are stored (<see cref="Encryption"/>).</summary>
    public const string AesGcmFrames = "aes-256-gcm-stream-v1";
}
