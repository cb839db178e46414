namespace Ledger.Agent.Repositories;

/// <summary>
/// How the agent reaches S3-compatible buckets (section <c>Agent:S3</c>); <see cref="Buckets"/> overrides it per bucket.
/// Unset values come from the standard AWS environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
/// AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL). The credentials are secrets: never logged,
/// never in events, never in the heartbeat.
/// </summary>
public class S3ConnectionOptions
{
    /// <summary>The S3-compatible endpoint (http(s)://host:port); unset: AWS itself.</summary>
    public string? Endpoint { get; set; }
    public string? Region { get; set; }
    /// <summary>Path-style addressing (http://host/bucket/key), which most S3-compatible servers need.</summary>
    public bool? ForcePathStyle { get; set; }
    public string? AccessKeyId { get; set; }
    public string? SecretAccessKey { get; set; }
    public string? SessionToken { get; set; }
}

/// <summary>Settings of one bucket, over the defaults of <see cref="S3Options"/>.</summary>
public sealed class S3BucketOptions : S3ConnectionOptions
{
    public string Name { get; set; } = "";
}

public sealed class S3Options : S3ConnectionOptions
{
    /// <summary>Multipart part size: the upload holds two parts in memory (one filling, one in flight).</summary>
    public int PartSizeBytes { get; set; } = 8 * 1024 * 1024;

    public List<S3BucketOptions> Buckets { get; set; } = [];

    /// <summary>The settings for <paramref name="bucket"/>: its own, then the defaults, then the AWS environment variables.</summary>
    public S3ConnectionOptions For(string bucket)
    {
        var own = Buckets.FirstOrDefault(b => b.Name == bucket);
        static string? Env(params string[] names) =>
            names.Select(Environment.GetEnvironmentVariable).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
        return new S3ConnectionOptions
        {
            Endpoint = own?.Endpoint ?? Endpoint ?? Env("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
            Region = own?.Region ?? Region ?? Env("AWS_REGION", "AWS_DEFAULT_REGION") ?? "us-east-1",
            ForcePathStyle = own?.ForcePathStyle ?? ForcePathStyle ?? true,
            AccessKeyId = own?.AccessKeyId ?? AccessKeyId ?? Env("AWS_ACCESS_KEY_ID"),
            SecretAccessKey = own?.SecretAccessKey ?? SecretAccessKey ?? Env("AWS_SECRET_ACCESS_KEY"),
            SessionToken = own?.SessionToken ?? SessionToken ?? Env("AWS_SESSION_TOKEN"),
        };
    }
}
