using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Contracts.Security;

/// <summary>
/// How the ledger signs every command it sends to an agent's queue, and how the agent checks it before any handler runs.
/// <para>
/// The signature is ECDSA P-256 with SHA-256 (IEEE P1363 form, base64) over <see cref="Payload"/>: the message type, the
/// envelope id, the environment whose queue the command is for, the issue and expiry instants (Unix milliseconds) and the
/// SHA-256 of the serialized body, one per line. The ledger holds the private key; agents hold only public keys, so an
/// agent (or anyone who can write to a queue table) can verify commands but never make one.
/// </para>
/// </summary>
public static class CommandSignature
{
    public const string SignatureHeader = "dgledger-signature";
    public const string KeyHeader = "dgledger-key";
    public const string EnvironmentHeader = "dgledger-environment";
    public const string IssuedHeader = "dgledger-issued";
    public const string ExpiresHeader = "dgledger-expires";

    /// <summary>How far a command's issue time may lie in the agent's future (clocks differ a little).</summary>
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(5);

    /// <summary>The bytes that are signed.</summary>
    public static byte[] Payload(string messageType, Guid envelopeId, string environment, DateTimeOffset issuedAt,
        DateTimeOffset expiresAt, ReadOnlySpan<byte> body) =>
        Encoding.UTF8.GetBytes(string.Join('\n',
            "dgledger-command/1",
            messageType,
            envelopeId.ToString("D"),
            environment,
            issuedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            expiresAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            Convert.ToHexStringLower(SHA256.HashData(body))));

    /// <summary>A public key's id: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo (never the key).</summary>
    public static string KeyId(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];

    /// <summary>The header values of one command.</summary>
    public static IReadOnlyDictionary<string, string> Sign(ECDsa privateKey, string messageType, Guid envelopeId, string environment,
        DateTimeOffset issuedAt, DateTimeOffset expiresAt, ReadOnlySpan<byte> body)
    {
        var signature = privateKey.SignData(Payload(messageType, envelopeId, environment, issuedAt, expiresAt, body),
            HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new Dictionary<string, string>
        {
            [SignatureHeader] = Convert.ToBase64String(signature),
            [KeyHeader] = KeyId(privateKey),
            [EnvironmentHeader] = environment,
            [IssuedHeader] = issuedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            [ExpiresHeader] = expiresAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// Checks one command that arrived on the queue of <paramref name="queueEnvironment"/>. <paramref name="header"/> reads
    /// the envelope's headers; <paramref name="served"/> are the environments the agent serves.
    /// </summary>
    public static CommandVerdict Verify(IReadOnlyList<ECDsa> publicKeys, Func<string, string?> header, string messageType, Guid envelopeId,
        string? queueEnvironment, IReadOnlyCollection<string> served, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var signature = header(SignatureHeader);
        var environment = header(EnvironmentHeader);
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(environment)
            || !TryReadInstant(header(IssuedHeader), out var issuedAt) || !TryReadInstant(header(ExpiresHeader), out var expiresAt))
        {
            return CommandVerdict.Unsigned;
        }

        byte[] presented;
        try
        {
            presented = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return CommandVerdict.BadSignature;
        }

        var payload = Payload(messageType, envelopeId, environment, issuedAt, expiresAt, body);
        var valid = publicKeys.Any(key => key.VerifyData(payload, presented, HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        if (!valid)
        {
            return CommandVerdict.BadSignature;
        }

        if (environment != queueEnvironment || !served.Contains(environment))
        {
            return CommandVerdict.WrongEnvironment;
        }

        if (now >= expiresAt)
        {
            return CommandVerdict.Expired;
        }

        return issuedAt - now > AllowedSkew ? CommandVerdict.NotYetValid : CommandVerdict.Valid;
    }

    /// <summary>Why a verdict refuses, in words for the refusal event and the log.</summary>
    public static string Describe(CommandVerdict verdict, string? environment) => verdict switch
    {
        CommandVerdict.Unsigned => "the command carries no signature from the ledger",
        CommandVerdict.BadSignature => "the command's signature does not match any key this agent trusts (forged, altered, or signed with another key)",
        CommandVerdict.WrongEnvironment => $"the command is signed for environment '{environment}', which is not the queue it arrived on or is not served by this agent",
        CommandVerdict.Expired => "the command expired before the agent received it",
        CommandVerdict.NotYetValid => "the command is issued in the future beyond the allowed clock skew",
        _ => "the command is valid",
    };

    private static bool TryReadInstant(string? text, out DateTimeOffset instant)
    {
        instant = default;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > 253402300799999)
        {
            return false;
        }

        instant = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        return true;
    }
}
