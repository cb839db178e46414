namespace Ledger.Agent.Repositories;

/// <summary>
/// Client-side encryption of artifacts at rest (section <c>Agent:Encryption</c>). Every key listed is accepted for
/// reading, so keys rotate by adding a new one and making it active; <see cref="ActiveKeyId"/> encrypts new backups
/// (unset: backups are stored unencrypted).
/// </summary>
public sealed class EncryptionOptions
{
    public string? ActiveKeyId { get; set; }
    public List<EncryptionKeyOptions> Keys { get; set; } = [];
}

/// <summary>
/// One key: 32 bytes, base64 (or 64 hex digits), read from <see cref="File"/> or from the environment variable named by
/// <see cref="EnvironmentVariable"/>. The key itself never appears in configuration, events, logs or manifests; its
/// <see cref="Id"/> does.
/// </summary>
public sealed class EncryptionKeyOptions
{
    public string Id { get; set; } = "";
    public string? File { get; set; }
    public string? EnvironmentVariable { get; set; }
}
