using Wolverine;

namespace Ledger.Agent.Security;

/// <summary>Wolverine middleware on every handler: <see cref="CommandVerifier"/> runs before the handler does.</summary>
public static class CommandSignatureMiddleware
{
    public static Task<HandlerContinuation> BeforeAsync(Envelope envelope, CommandVerifier verifier, IMessageContext context) =>
        verifier.AdmitAsync(envelope, context);
}
