using System.Security.Cryptography;
using System.Text;
using Ledger.Contracts.Notifications;

namespace Ledger.Tests.Observability;

public sealed class when_a_receiver_checks_a_webhook_signature
{
    private const string Secret = "a-shared-secret-of-some-length";
    private static readonly DateTimeOffset SentAt = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"kind\":\"backup-failed\"}");

    [Fact]
    public void the_signature_is_the_hmac_sha256_of_timestamp_dot_body()
    {
        var (timestamp, signature) = WebhookSignature.Sign(Secret, SentAt, Body);

        Assert.Equal(SentAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), timestamp);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(timestamp + ".").Concat(Body).ToArray());
        Assert.Equal("v1=" + Convert.ToHexStringLower(expected), signature);
    }

    [Fact]
    public void a_fresh_request_verifies_and_the_same_one_again_is_a_replay()
    {
        var (timestamp, signature) = WebhookSignature.Sign(Secret, SentAt, Body);
        var guard = new ReplayGuard();

        Assert.Equal(SignatureVerdict.Valid, WebhookSignature.Verify(Secret, timestamp, signature, Body, SentAt.AddSeconds(2), guard));
        Assert.Equal(SignatureVerdict.Replayed, WebhookSignature.Verify(Secret, timestamp, signature, Body, SentAt.AddSeconds(30), guard));
    }

    [Fact]
    public void a_request_older_than_the_tolerance_is_stale_even_with_a_valid_signature()
    {
        var (timestamp, signature) = WebhookSignature.Sign(Secret, SentAt, Body);

        Assert.Equal(SignatureVerdict.Stale, WebhookSignature.Verify(Secret, timestamp, signature, Body, SentAt.AddMinutes(6), new ReplayGuard()));
        Assert.Equal(SignatureVerdict.Stale, WebhookSignature.Verify(Secret, timestamp, signature, Body, SentAt.AddMinutes(-6)));
    }

    [Fact]
    public void a_changed_body_timestamp_or_secret_does_not_verify()
    {
        var (timestamp, signature) = WebhookSignature.Sign(Secret, SentAt, Body);

        Assert.Equal(SignatureVerdict.BadSignature, WebhookSignature.Verify(Secret, timestamp, signature, Encoding.UTF8.GetBytes("{\"kind\":\"x\"}"), SentAt));
        Assert.Equal(SignatureVerdict.BadSignature, WebhookSignature.Verify(Secret, (SentAt.ToUnixTimeSeconds() + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), signature, Body, SentAt));
        Assert.Equal(SignatureVerdict.BadSignature, WebhookSignature.Verify("another-secret-entirely", timestamp, signature, Body, SentAt));
    }

    [Theory]
    [InlineData(null, "v1=00")]
    [InlineData("1764590400", null)]
    [InlineData("not-a-number", "v1=00")]
    [InlineData("1764590400", "sha256=00")]
    [InlineData("1764590400", "v1=zz")]
    public void missing_or_malformed_headers_are_malformed(string? timestamp, string? signature) =>
        Assert.Equal(SignatureVerdict.Malformed, WebhookSignature.Verify(Secret, timestamp, signature, Body, SentAt));

    [Fact]
    public void the_guard_forgets_a_signature_once_its_window_has_closed()
    {
        var guard = new ReplayGuard();
        Assert.True(guard.TryAccept("v1=ab", SentAt.AddMinutes(5), SentAt));
        Assert.False(guard.TryAccept("v1=ab", SentAt.AddMinutes(5), SentAt.AddMinutes(4)));
        Assert.True(guard.TryAccept("v1=ab", SentAt.AddMinutes(11), SentAt.AddMinutes(6)));
    }
}
