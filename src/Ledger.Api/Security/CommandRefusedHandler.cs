using Ledger.Contracts.Security;
using Marten;

namespace Ledger.Api.Security;

/// <summary>
/// An agent refused a command (not signed by this ledger, signed for another environment, or expired): the refusal is
/// appended to the operation's stream when the ledger has that stream, so it shows in the operation's history, and logged.
/// It changes no state: a forged command cannot make the ledger believe anything.
/// </summary>
public static class CommandRefusedHandler
{
    public static async Task Handle(CommandRefused refused, IDocumentSession session, ILogger<CommandRefused> logger, CancellationToken ct)
    {
        var recorded = refused.OperationId is { } id && await session.Events.FetchStreamStateAsync(id, ct) is not null;
        if (recorded)
        {
            session.Events.Append(refused.OperationId!.Value, refused);
        }

        logger.LogWarning("Agent {AgentId} refused {MessageType} {EnvelopeId} for environment {Environment} ({Verdict}): {Reason}. {Recorded}",
            refused.AgentId, refused.MessageType, refused.EnvelopeId, refused.Environment, refused.Verdict, refused.Reason,
            recorded ? $"Recorded on stream {refused.OperationId}." : "No stream of the ledger matches it.");
    }
}
