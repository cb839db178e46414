namespace Ledger.Contracts.Security;

/// <summary>
/// A command the ledger sends to an agent's queue. Every message sent to an agent queue is signed (see
/// <see cref="CommandSignature"/>); this marker names the operation (the stream) a refusal of the command is recorded on.
/// </summary>
public interface IAgentCommand
{
    /// <summary>The id of the stream the command belongs to (a backup, restore, drill or doctor run).</summary>
    Guid OperationId { get; }
}
