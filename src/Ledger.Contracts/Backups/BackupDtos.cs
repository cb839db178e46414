using System.Text.Json;

namespace Ledger.Contracts.Backups;

/// <summary>Body of <c>POST /api/v1/backups</c>.</summary>
public sealed record RequestBackup(string Environment, string Database, string? Trigger = null, string? Release = null);

/// <summary>Answer to a backup request: where to follow it.</summary>
public sealed record BackupAccepted(Guid BackupId, string Environment, string Database, string Trigger, string Location);

/// <summary>
/// A restore point: one backup as the ledger knows it, kept consistent with every write (an inline snapshot).
/// </summary>
public sealed record RestorePoint
{
    public Guid Id { get; init; }
    public string Environment { get; init; } = "";
    public string Database { get; init; } = "";
    public string Trigger { get; init; } = "";
    public string? Release { get; init; }
    public BackupStatus Status { get; init; } = BackupStatus.Requested;
    public string RequestedBy { get; init; } = "";
    public DateTimeOffset RequestedAt { get; init; }
    public string? AgentId { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public long? DurationMs { get; init; }
    public string? ArtifactPath { get; init; }
    public long? SizeBytes { get; init; }
    public string? Sha256 { get; init; }
    public string? PgDumpVersion { get; init; }
    public string? ServerVersion { get; init; }
    public IReadOnlyList<string> DumpOptions { get; init; } = [];
    public IReadOnlyList<TableRowCount> TableRowCounts { get; init; } = [];

    /// <summary>DecisionGraph workflow exports stored with the backup set (companions, never restore points).</summary>
    public IReadOnlyList<CompanionExport> Exports { get; init; } = [];
    public DateTimeOffset? VerifiedAt { get; init; }
    public string? FailureReason { get; init; }

    /// <summary>For scheduled backups: the occurrence of the schedule this backup is for.</summary>
    public DateTimeOffset? ScheduledFor { get; init; }

    /// <summary>True when a scheduled backup had not been taken by its deadline (it may have been taken later).</summary>
    public bool Missed { get; init; }

    /// <summary>Set when retention deleted the artifact, with the rule that expired it.</summary>
    public DateTimeOffset? ExpiredAt { get; init; }
    public string? ExpiredBy { get; init; }

    /// <summary>The moment the backup reflects (its finish time once taken), used for ordering and time windows.</summary>
    public DateTimeOffset Timestamp { get; init; }
}

/// <summary>One event of a backup's history, as stored.</summary>
public sealed record HistoryEntry(long Version, string Type, DateTimeOffset Timestamp, JsonElement Data);

/// <summary>Answer to <c>GET /api/v1/backups/{id}</c>.</summary>
public sealed record BackupDetail(RestorePoint Backup, IReadOnlyList<HistoryEntry> History);
