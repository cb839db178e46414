using System.Security.Cryptography;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Security;

namespace Ledger.Agent.Security;

/// <summary>
/// How the agent reaches the ledger's database and whom it trusts (keys under <c>Agent</c>): its own durability schema
/// (<c>Agent:MessageSchema</c>), whether it may create its queue tables (<c>Agent:AutoProvision</c>; off for a
/// least-privilege role, whose tables the ledger provisions), and the ledger's public keys
/// (<c>Agent:CommandSigning:PublicKeyFile</c> or <c>Agent:CommandSigning:PublicKey</c>, PEM).
/// </summary>
public sealed class AgentAccess
{
    private AgentAccess(string messageSchema, bool autoProvision, IReadOnlyList<ECDsa> ledgerKeys, IReadOnlyList<string> environments)
    {
        MessageSchema = messageSchema;
        AutoProvision = autoProvision;
        LedgerKeys = ledgerKeys;
        Environments = environments;
    }

    /// <summary>The schema of this agent's inbox, outbox and node tables: no other agent shares it.</summary>
    public string MessageSchema { get; }

    public bool AutoProvision { get; }

    /// <summary>Public keys whose signatures the agent accepts (several while the ledger's key rotates).</summary>
    public IReadOnlyList<ECDsa> LedgerKeys { get; }

    public IReadOnlyList<string> Environments { get; }

    /// <summary>The default durability schema: <c>agent_</c> and the agent's id, one schema per agent.</summary>
    public static string DefaultMessageSchema(string agentId)
    {
        var name = "agent_" + new string(agentId.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        return name.Length > 63 ? name[..63] : name;
    }

    public static AgentAccess From(IConfiguration configuration, AgentOptions options)
    {
        var section = configuration.GetSection("Agent");
        var schema = section["MessageSchema"] is { Length: > 0 } configured ? configured : DefaultMessageSchema(options.Id);
        if (!Postgres.PgIdentifier.IsValid(schema))
        {
            throw new InvalidOperationException($"Agent:MessageSchema '{schema}' is not a valid identifier.");
        }

        var autoProvision = section.GetValue("AutoProvision", true);
        return new AgentAccess(schema, autoProvision, ReadKeys(section.GetSection("CommandSigning")), options.Environments);
    }

    private static List<ECDsa> ReadKeys(IConfigurationSection section)
    {
        const string how = "Give the agent the ledger's command-signing public key: Agent:CommandSigning:PublicKeyFile (a PEM file, " +
                           "made with `openssl pkey -in ledger-commands.pem -pubout`) or Agent:CommandSigning:PublicKey (its PEM text). " +
                           "Without it the agent cannot tell the ledger's commands from forged ones and does not start.";
        string pem;
        if (section["PublicKeyFile"] is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                throw new InvalidOperationException($"Agent:CommandSigning:PublicKeyFile '{file}' does not exist. {how}");
            }

            pem = File.ReadAllText(file);
        }
        else if (section["PublicKey"] is { Length: > 0 } text)
        {
            pem = text;
        }
        else
        {
            throw new InvalidOperationException("The agent has no public key of the ledger. " + how);
        }

        var keys = new List<ECDsa>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            if (label.Contains("PRIVATE", StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    "Agent:CommandSigning holds a private key: an agent must hold only the ledger's public key (the private key stays with the ledger).");
            }

            if (label == "PUBLIC KEY")
            {
                var key = ECDsa.Create();
                try
                {
                    key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(rest[fields.Base64Data].ToString()), out _);
                }
                catch (CryptographicException)
                {
                    throw new InvalidOperationException("Agent:CommandSigning: a PUBLIC KEY block is not an ECDSA key. " + how);
                }

                if (key.KeySize != 256)
                {
                    throw new InvalidOperationException("Agent:CommandSigning: the ledger's key must be ECDSA P-256.");
                }

                keys.Add(key);
            }

            rest = rest[fields.Location.End..];
        }

        return keys.Count > 0
            ? keys
            : throw new InvalidOperationException("Agent:CommandSigning holds no PEM 'PUBLIC KEY' block. " + how);
    }

    /// <summary>The ids of the trusted keys (for logs: never the keys).</summary>
    public string KeyIds => string.Join(", ", LedgerKeys.Select(CommandSignature.KeyId));

    /// <summary>The queue environment of an address this agent listens on (postgresql://agent_prod/), or null.</summary>
    public static string? QueueEnvironment(Uri? address) =>
        address is { Scheme: "postgresql" } ? Queues.EnvironmentOf(address.Host) : null;
}
