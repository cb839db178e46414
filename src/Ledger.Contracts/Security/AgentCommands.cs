using Ledger.Contracts.Agents;

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

/// <summary>
/// An agent refused a command it received: not signed by the ledger, signed for another environment, or expired. Nothing
/// was done. <see cref="Verdict"/> says why (<c>unsigned</c>, <c>bad-signature</c>, ...). Appended to the operation's stream when the ledger has one (<see cref="OperationId"/>); always logged.
/// </summary>
public sealed record CommandRefused(
    Guid? OperationId,
    string AgentId,
    string MessageType,
    Guid EnvelopeId,
    string? Environment,
    CommandVerdict Verdict,
    string Reason,
    DateTimeOffset RefusedAt) : IAgentReport;
