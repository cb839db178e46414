using Ledger.Contracts.Backups;
using Ledger.Contracts.Agents;
namespace Ledger.Contracts.Retention;

/// <summary>Sent by the ledger to the agent that holds an expired artifact; every copy expires with it.</summary>
public sealed record ExpireBackup(Guid BackupId, string Environment, string Database, string ArtifactPath, string Rule,
    string? Repository = null, string? Key = null, IReadOnlyList<Backups.ArtifactCopy>? Copies = null) : Security.IAgentCommand
{
    Guid Security.IAgentCommand.OperationId => BackupId;
}

/// <summary>
/// The agent deleted an expired artifact (and its sidecar) from <see cref="Repositories"/> (the primary and every copy);
/// <see cref="Problems"/> names a copy it could not delete. The backup leaves the restore points; its history stays.
/// </summary>
public sealed record BackupExpired(Guid BackupId, string AgentId, string Rule, long BytesFreed, DateTimeOffset ExpiredAt,
    IReadOnlyList<string>? Repositories = null, IReadOnlyList<string>? Problems = null) : IAgentReport;

/// <summary>
/// The agent did not delete the artifact: a restore running on it is reading it (<see cref="Reason"/> names it). Nothing
/// was deleted; the backup stays a restore point and a later prune asks again.
/// </summary>
public sealed record BackupExpiryRefused(Guid BackupId, string AgentId, string Rule, string Reason, DateTimeOffset RefusedAt) : IAgentReport;

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
