using Ledger.Contracts.Security;
using Wolverine;

namespace Ledger.Agent.Security;

/// <summary>
/// Admits a message only if the ledger issued it. Every message that arrived on a PostgreSQL queue (the queues of the
/// environments the agent serves: the only ones it listens on) must carry the ledger's signature over its type, envelope
/// id, environment, body and validity (<see cref="CommandSignature"/>), signed for the queue it arrived on, unexpired.
/// Messages from the agent's own durable local queues (its steps) are the agent's own and pass. A refusal is reported to the
/// ledger (<see cref="CommandRefused"/>) and logged, never with a key or the body, and nothing else is done.
/// </summary>
public sealed class CommandVerifier(AgentAccess access, AgentOptions options, TimeProvider clock, ILogger<CommandVerifier> logger)
{
    /// <summary>The verdict on one received envelope; null when it did not come from a queue table (a local step).</summary>
    public CommandVerdict? Check(Envelope envelope)
    {
        if (envelope.Destination is not { Scheme: "postgresql" } address)
        {
            return null;
        }

        return CommandSignature.Verify(access.LedgerKeys, name => envelope.Headers.TryGetValue(name, out var value) ? value : null,
            envelope.MessageType ?? "", envelope.Id, AgentAccess.QueueEnvironment(address), access.Environments,
            envelope.Data ?? [], clock.GetUtcNow());
    }

    public async Task<HandlerContinuation> AdmitAsync(Envelope envelope, IMessageContext bus)
    {
        if (Check(envelope) is not { } verdict || verdict == CommandVerdict.Valid)
        {
            return HandlerContinuation.Continue;
        }

        var environment = envelope.Headers.TryGetValue(CommandSignature.EnvironmentHeader, out var signedFor) ? signedFor : null;
        var queueEnvironment = AgentAccess.QueueEnvironment(envelope.Destination);
        var reason = CommandSignature.Describe(verdict, environment ?? queueEnvironment);
        var operation = (envelope.Message as IAgentCommand)?.OperationId;
        logger.LogWarning(
            "Refused {MessageType} {EnvelopeId} (operation {OperationId}) from queue {Queue}: {Reason}. Nothing was done. Trusted keys: {KeyIds}",
            envelope.MessageType, envelope.Id, operation, envelope.Destination, reason, access.KeyIds);
        await bus.PublishAsync(new CommandRefused(operation, options.Id, envelope.MessageType ?? "", envelope.Id,
            queueEnvironment, verdict, reason, clock.GetUtcNow()));
        return HandlerContinuation.Stop;
    }
}
