namespace Ledger.Contracts.Backups;

/// <summary>Sent by the ledger to the queue of the agent serving <see cref="Environment"/>.</summary>
public sealed record TakeBackup(
    Guid BackupId,
    string Environment,
    string Database,
    string Trigger,
    string? Release,
    DateTimeOffset RequestedAt) : Security.IAgentCommand
{
    Guid Security.IAgentCommand.OperationId => BackupId;
}
