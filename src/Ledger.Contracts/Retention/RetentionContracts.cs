using Ledger.Contracts.Backups;
using Ledger.Contracts.Agents;
namespace Ledger.Contracts.Retention;

/// <summary>Sent by the ledger to the agent that holds an expired artifact.</summary>
public sealed record ExpireBackup(Guid BackupId, string Environment, string Database, string ArtifactPath, string Rule);

/// <summary>The agent deleted an expired artifact (and its sidecar). The backup leaves the restore points; its history stays.</summary>
public sealed record BackupExpired(Guid BackupId, string AgentId, string Rule, long BytesFreed, DateTimeOffset ExpiredAt) : IAgentReport;

/// <summary>Body of <c>POST /api/v1/backups/prune</c>; <c>Environment</c> limits the run to one environment.</summary>
public sealed record PruneRequest(bool DryRun = true, string? Environment = null);

/// <summary>One backup's fate under the retention policy, and why.</summary>
public sealed record PruneDecision(Guid BackupId, string Environment, string Database, string Trigger, BackupStatus Status,
    DateTimeOffset Timestamp, long? SizeBytes, bool Delete, string Rule);

/// <summary>What a prune run deletes and keeps. A dry run lists exactly what a real run at the same moment would delete.</summary>
public sealed record PrunePlan(bool DryRun, DateTimeOffset At, IReadOnlyList<PruneDecision> Delete, IReadOnlyList<PruneDecision> Keep)
{
    public long BytesToFree => Delete.Sum(d => d.SizeBytes ?? 0);
}
