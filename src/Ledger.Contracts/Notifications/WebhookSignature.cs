using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Contracts.Notifications;

/// <summary>
/// How DgLedger signs a webhook, and how a receiver checks it (a receiver in .NET can use this file as is).
/// <para>
/// Headers: <c>X-DgLedger-Timestamp</c> is the Unix time in seconds when the request was sent;
/// <c>X-DgLedger-Signature</c> is <c>v1=</c> followed by the lower-case hex HMAC-SHA256, keyed with the webhook's shared
/// secret (UTF-8), of <c>{timestamp}.{body}</c> (the header's digits, a dot, the raw body bytes).
/// </para>
/// <para>
/// The replay rule: accept a request only if the signature matches, its timestamp is within
/// <see cref="DefaultTolerance"/> (5 minutes) of the receiver's clock, and that signature has not been accepted before
/// within that window. A retry is signed afresh (new timestamp) and carries the same <c>X-DgLedger-Delivery</c> id, which a
/// receiver uses to process a delivery once.
/// </para>
/// </summary>
public static class WebhookSignature
{
    public const string TimestampHeader = "X-DgLedger-Timestamp";
    public const string SignatureHeader = "X-DgLedger-Signature";
    public const string DeliveryHeader = "X-DgLedger-Delivery";
    public const string EventHeader = "X-DgLedger-Event";
    public const string Scheme = "v1=";

    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The two header values for <paramref name="body"/> sent at <paramref name="at"/>.</summary>
    public static (string Timestamp, string Signature) Sign(string secret, DateTimeOffset at, ReadOnlySpan<byte> body)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return (timestamp, Scheme + Convert.ToHexStringLower(Mac(secret, timestamp, body)));
    }

    /// <summary>Checks one request (see the replay rule). <paramref name="guard"/> remembers accepted signatures; pass one per receiver.</summary>
    public static SignatureVerdict Verify(string secret, string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now,
        ReplayGuard? guard = null, TimeSpan? tolerance = null)
    {
        var window = tolerance ?? DefaultTolerance;
        if (timestamp is null || signature is null || !signature.StartsWith(Scheme, StringComparison.Ordinal)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return SignatureVerdict.Malformed;
        }

        byte[] presented;
        try
        {
            presented = Convert.FromHexString(signature.AsSpan(Scheme.Length));
        }
        catch (FormatException)
        {
            return SignatureVerdict.Malformed;
        }

        if (!CryptographicOperations.FixedTimeEquals(presented, Mac(secret, timestamp, body)))
        {
            return SignatureVerdict.BadSignature;
        }

        var sentAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if ((now - sentAt).Duration() > window)
        {
            return SignatureVerdict.Stale;
        }

        return guard is null || guard.TryAccept(signature, sentAt + window, now) ? SignatureVerdict.Valid : SignatureVerdict.Replayed;
    }

    private static byte[] Mac(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
    }
}

public enum SignatureVerdict
{
    Valid,
    /// <summary>A header is missing or not in the documented form.</summary>
    Malformed,
    /// <summary>The HMAC does not match: wrong secret, or the body or timestamp was changed.</summary>
    BadSignature,
    /// <summary>The timestamp is outside the tolerance window.</summary>
    Stale,
    /// <summary>This exact signature was already accepted within the window.</summary>
    Replayed,
}

/// <summary>Remembers accepted signatures until their window closes (thread-safe, bounded by the window).</summary>
public sealed class ReplayGuard
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    /// <summary>False when <paramref name="signature"/> was accepted before and its window is still open.</summary>
    public bool TryAccept(string signature, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        foreach (var (key, until) in _seen)
        {
            if (until < now) _seen.TryRemove(key, out _);
        }

        return _seen.TryAdd(signature, expiresAt);
    }
}
