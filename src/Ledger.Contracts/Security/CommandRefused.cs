using Ledger.Contracts.Agents;

namespace Ledger.Contracts.Security;

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
