using System.Security.Cryptography;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Security;
using Wolverine;

namespace Ledger.Api.Security;

/// <summary>
/// Signs every message the ledger sends to an agent's queue (<see cref="CommandSignature"/>), as the last step before the
/// envelope is written to the outbox, whoever sent it: an endpoint, a handler's cascade, a schedule tick. The private key
/// comes from <c>Ledger:CommandSigning:KeyFile</c> (a PEM file) or <c>Ledger:CommandSigning:Key</c> (its PEM text, e.g. the
/// environment variable <c>Ledger__CommandSigning__Key</c>); a command is valid for <c>Ledger:CommandSigning:Lifetime</c>.
/// </summary>
public sealed class CommandSigner : IEnvelopeRule
{
    private readonly ECDsa _key;
    private readonly TimeProvider _clock;

    public CommandSigner(ECDsa key, TimeSpan lifetime, TimeProvider clock)
    {
        _key = key;
        Lifetime = lifetime;
        _clock = clock;
    }

    public TimeSpan Lifetime { get; }

    /// <summary>The id of the key (never the key): what agents log as trusted.</summary>
    public string KeyId => CommandSignature.KeyId(_key);

    /// <summary>The public half, in PEM, for agents.</summary>
    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    public void Modify(Envelope envelope)
    {
        if (envelope.Destination is not { Scheme: "postgresql" } destination || Queues.EnvironmentOf(destination.Host) is not { } environment)
        {
            return;
        }

        var now = _clock.GetUtcNow();
        var headers = CommandSignature.Sign(_key, envelope.MessageType ?? throw new InvalidOperationException("An agent command has no message type."),
            envelope.Id, environment, now, now + Lifetime, envelope.Data);
        foreach (var (name, value) in headers)
        {
            envelope.Headers[name] = value;
        }
    }

    public static CommandSigner From(IConfiguration configuration, TimeProvider clock)
    {
        const string how = "Create one with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ledger-commands.pem` " +
                           "(mode 0600), set Ledger:CommandSigning:KeyFile to it (or Ledger__CommandSigning__Key to its PEM text), and give " +
                           "agents its public key (`openssl pkey -in ledger-commands.pem -pubout`).";
        var section = configuration.GetSection("Ledger:CommandSigning");
        string pem;
        if (section["KeyFile"] is { Length: > 0 } file)
        {
            pem = File.Exists(file)
                ? File.ReadAllText(file)
                : throw new InvalidOperationException($"Ledger:CommandSigning:KeyFile '{file}' does not exist. {how}");
        }
        else if (section["Key"] is { Length: > 0 } text)
        {
            pem = text;
        }
        else
        {
            throw new InvalidOperationException(
                "The ledger has no command-signing key, so agents could not tell its commands from forged ones. " + how);
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            key.ExportParameters(includePrivateParameters: true);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            // The exception's text is not passed on: it could quote what was configured.
            throw new InvalidOperationException("Ledger:CommandSigning does not hold a PEM ECDSA private key. " + how);
        }

        if (key.KeySize != 256)
        {
            throw new InvalidOperationException("Ledger:CommandSigning: the key must be ECDSA P-256. " + how);
        }

        var lifetime = section.GetValue("Lifetime", TimeSpan.FromHours(1));
        return lifetime > TimeSpan.Zero
            ? new CommandSigner(key, lifetime, clock)
            : throw new InvalidOperationException("Ledger:CommandSigning:Lifetime must be a positive duration (like 01:00:00).");
    }

    /// <summary>A fresh key pair in PEM (private, public): the embedded stack, the demo and the bench make one per run.</summary>
    public static (string PrivateKey, string PublicKey) GenerateKeyPair()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key.ExportPkcs8PrivateKeyPem(), key.ExportSubjectPublicKeyInfoPem());
    }
}
