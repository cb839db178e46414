using System.Security.Cryptography;

namespace Ledger.Agent.Repositories;

/// <summary>One encryption key: its id (recorded with each backup) and its 32 bytes (never recorded anywhere).</summary>
public sealed class EncryptionKey(string id, byte[] material)
{
    public string Id { get; } = id;
    internal byte[] Material { get; } = material;

    public override string ToString() => $"key '{Id}'";
}

/// <summary>
/// The keys of <c>Agent:Encryption</c>, loaded once at start: the active one encrypts new backups, every one decrypts.
/// Problems name the key id and where it should come from, never the key.
/// </summary>
public sealed class KeyRing
{
    private readonly Dictionary<string, EncryptionKey> _keys;

    private KeyRing(Dictionary<string, EncryptionKey> keys, EncryptionKey? active) => (_keys, Active) = (keys, active);

    public static KeyRing Empty { get; } = new([], null);

    /// <summary>The key new backups are encrypted with; null when backups are stored unencrypted.</summary>
    public EncryptionKey? Active { get; }

    public IReadOnlyCollection<string> Ids => _keys.Keys;

    public EncryptionKey? Find(string keyId) => _keys.GetValueOrDefault(keyId);

    /// <summary>Why an artifact encrypted with <paramref name="keyId"/> cannot be read here, or null when the key is present.</summary>
    public string? MissingKeyProblem(string? keyId) =>
        keyId is null || _keys.ContainsKey(keyId)
            ? null
            : $"The artifact is encrypted with key '{keyId}', which this agent does not have (Agent:Encryption:Keys lists {(_keys.Count == 0 ? "no key" : string.Join(", ", _keys.Keys.Select(k => $"'{k}'")))}).";

    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Loads the keys; every problem is returned (and the ring is null) when any key cannot be loaded.</summary>
    public static (KeyRing? Ring, IReadOnlyList<string> Problems) Load(EncryptionOptions options)
    {
        var problems = new List<string>();
        var keys = new Dictionary<string, EncryptionKey>(StringComparer.Ordinal);
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            var at = $"Agent:Encryption:Keys:{i}";
            if (!IsValidId(key.Id))
            {
                problems.Add($"{at}:Id must be 1-64 letters, digits, '-', '_' or '.'");
                continue;
            }

            if (keys.ContainsKey(key.Id))
            {
                problems.Add($"{at}: key id '{key.Id}' is listed twice");
                continue;
            }

            string? text = null;
            if (!string.IsNullOrWhiteSpace(key.File) == !string.IsNullOrWhiteSpace(key.EnvironmentVariable))
            {
                problems.Add($"{at} (key '{key.Id}') needs exactly one of File or EnvironmentVariable");
                continue;
            }

            if (!string.IsNullOrWhiteSpace(key.File))
            {
                try
                {
                    text = System.IO.File.ReadAllText(key.File);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    problems.Add($"{at}:File of key '{key.Id}' cannot be read ({e.GetType().Name})");
                    continue;
                }
            }
            else
            {
                text = Environment.GetEnvironmentVariable(key.EnvironmentVariable!);
                if (string.IsNullOrWhiteSpace(text))
                {
                    problems.Add($"{at}:EnvironmentVariable {key.EnvironmentVariable} (key '{key.Id}') is not set");
                    continue;
                }
            }

            if (Decode(text!.Trim()) is not { } material)
            {
                problems.Add($"{at}: key '{key.Id}' is not 32 bytes in base64 or 64 hex digits");
                continue;
            }

            keys[key.Id] = new EncryptionKey(key.Id, material);
        }

        EncryptionKey? active = null;
        if (!string.IsNullOrWhiteSpace(options.ActiveKeyId) && !keys.TryGetValue(options.ActiveKeyId, out active))
        {
            problems.Add($"Agent:Encryption:ActiveKeyId '{options.ActiveKeyId}' is not one of the loaded keys");
        }

        return problems.Count > 0 ? (null, problems) : (new KeyRing(keys, active), problems);
    }

    /// <summary>A ring of the given keys (tests, the bench); the first is active when <paramref name="activeKeyId"/> is null.</summary>
    public static KeyRing Of(IReadOnlyList<(string Id, byte[] Material)> keys, string? activeKeyId = null)
    {
        var ring = keys.ToDictionary(k => k.Id, k => new EncryptionKey(k.Id, k.Material), StringComparer.Ordinal);
        return new KeyRing(ring, ring.GetValueOrDefault(activeKeyId ?? keys[0].Id));
    }

    private static byte[]? Decode(string text)
    {
        if (text.Length == 64 && text.All(char.IsAsciiHexDigit))
        {
            return Convert.FromHexString(text);
        }

        var buffer = new byte[48];
        return Convert.TryFromBase64String(text, buffer, out var written) && written == 32 ? buffer[..32] : null;
    }

    /// <summary>A new random key in the form <see cref="Load"/> reads (base64), for the tests and the bench; operators run <c>openssl rand -base64 32</c>.</summary>
    public static string NewKeyText() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
