using System.Security.Cryptography;
using System.Text;
using Ledger.Agent.Repositories;

namespace Ledger.Tests.Agent;

/// <summary>
/// The encrypted artifact format (ArtifactEncryption: AES-256-GCM STREAM, header as associated data, final-frame flag in
/// the nonce), attacked byte by byte: every way of cutting, reordering, extending or altering an object must be refused
/// with a reason, and only the right key reads it.
/// </summary>
public sealed class when_an_encrypted_artifact_is_read_back
{
    private const int Frame = 1024;
    private const string KeyId = "prod-2026";
    private static readonly byte[] Material = RandomNumberGenerator.GetBytes(32);
    private static readonly KeyRing Ring = KeyRing.Of([(KeyId, Material)]);

    /// <summary>magic(8) + frame size(4) + id length(1) + id + salt(32) + nonce prefix(7).</summary>
    private static readonly int HeaderLength = 8 + 4 + 1 + KeyId.Length + 32 + 7;

    private static async Task<byte[]> EncryptAsync(byte[] plain, KeyRing? ring = null, bool finish = true, int chunk = 333)
    {
        var stored = new MemoryStream();
        var writer = new EncryptingWriteStream(stored, (ring ?? Ring).Active!, Frame);
        for (var at = 0; at < plain.Length; at += chunk)
        {
            await writer.WriteAsync(plain.AsMemory(at, Math.Min(chunk, plain.Length - at)));
        }

        if (finish)
        {
            await writer.FinishAsync(CancellationToken.None);
        }

        return stored.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(byte[] stored, KeyRing? ring = null, string? expectedKeyId = KeyId)
    {
        await using var reader = new DecryptingReadStream(new MemoryStream(stored), ring ?? Ring, expectedKeyId);
        var plain = new MemoryStream();
        await reader.CopyToAsync(plain);
        return plain.ToArray();
    }

    private static async Task<string> RefusalAsync(byte[] stored, KeyRing? ring = null, string? expectedKeyId = KeyId) =>
        (await Assert.ThrowsAsync<ArtifactDecryptionException>(() => DecryptAsync(stored, ring, expectedKeyId))).Message;

    private static byte[] Plain(int length) => RandomNumberGenerator.GetBytes(length);

    /// <summary>Where frame <paramref name="index"/> (ciphertext and tag) starts in the stored object.</summary>
    private static int FrameStart(int index) => HeaderLength + index * (Frame + 16);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Frame - 1)]
    [InlineData(Frame)]
    [InlineData(Frame + 1)]
    [InlineData(3 * Frame)]
    [InlineData(5 * Frame + 17)]
    public async Task every_length_round_trips_including_frame_multiples(int length)
    {
        var plain = Plain(length);

        var stored = await EncryptAsync(plain);

        Assert.Equal(plain, await DecryptAsync(stored));
        // Full frames, then a final frame holding the rest (an empty one when the length is a multiple of the frame).
        Assert.Equal(HeaderLength + length / Frame * (Frame + 16) + length % Frame + 16, stored.Length);
    }

    [Fact]
    public async Task the_plaintext_of_a_known_row_never_appears_in_the_stored_object()
    {
        var row = Encoding.UTF8.GetBytes("trace-7f3a|tenant-acme|approved|amount=1250.00");
        var plain = Enumerable.Repeat(row, 200).SelectMany(r => r).ToArray();

        var stored = await EncryptAsync(plain);

        Assert.Equal(-1, stored.AsSpan().IndexOf(row.AsSpan(0, 16)));
        Assert.Equal(-1, stored.AsSpan().IndexOf("tenant-acme"u8));
        Assert.Equal(plain, await DecryptAsync(stored));
    }

    [Fact]
    public async Task two_encryptions_of_the_same_bytes_differ_because_salt_and_nonce_are_fresh()
    {
        var plain = Plain(2 * Frame);

        var first = await EncryptAsync(plain);
        var second = await EncryptAsync(plain);

        Assert.Equal(first.Length, second.Length);
        Assert.False(first.AsSpan(HeaderLength).SequenceEqual(second.AsSpan(HeaderLength)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task a_cut_at_any_frame_boundary_is_refused_as_truncated(int framesKept)
    {
        var stored = await EncryptAsync(Plain(4 * Frame + 100));

        var cut = stored[..FrameStart(framesKept)];

        Assert.Contains("truncated", await RefusalAsync(cut));
    }

    [Fact]
    public async Task a_cut_that_leaves_the_last_full_frame_looking_final_does_not_authenticate()
    {
        // 3 full frames and an empty final one: dropping the empty final frame leaves frame 2 at the end, whole. It was
        // sealed as not-final, so reading it as the last frame fails its tag.
        var stored = await EncryptAsync(Plain(3 * Frame));

        var cut = stored[..(stored.Length - 16)];
        var message = await RefusalAsync(cut);

        Assert.True(message.Contains("truncated") || message.Contains("does not authenticate"), message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(Frame / 2)]
    [InlineData(Frame + 15)]
    public async Task a_cut_inside_a_frame_is_refused(int into)
    {
        var stored = await EncryptAsync(Plain(3 * Frame + 10));

        var cut = stored[..(FrameStart(1) + into)];

        Assert.IsType<ArtifactDecryptionException>(await Record.ExceptionAsync(() => DecryptAsync(cut)));
    }

    [Fact]
    public async Task a_cut_inside_the_header_is_refused()
    {
        var stored = await EncryptAsync(Plain(10));

        Assert.Contains("header", await RefusalAsync(stored[..(HeaderLength - 3)]));
        Assert.Contains("not an encrypted DgLedger artifact", await RefusalAsync(stored[..5]));
    }

    [Fact]
    public async Task swapped_frames_do_not_authenticate()
    {
        var stored = await EncryptAsync(Plain(3 * Frame + 10));
        var swapped = (byte[])stored.Clone();
        stored.AsSpan(FrameStart(0), Frame + 16).CopyTo(swapped.AsSpan(FrameStart(1)));
        stored.AsSpan(FrameStart(1), Frame + 16).CopyTo(swapped.AsSpan(FrameStart(0)));

        var message = await RefusalAsync(swapped);

        Assert.Contains("Frame 0", message);
        Assert.Contains("does not authenticate", message);
    }

    [Fact]
    public async Task a_frame_repeated_in_place_of_the_next_does_not_authenticate()
    {
        var stored = await EncryptAsync(Plain(3 * Frame + 10));
        var replayed = (byte[])stored.Clone();
        stored.AsSpan(FrameStart(0), Frame + 16).CopyTo(replayed.AsSpan(FrameStart(1)));

        Assert.Contains("Frame 1", await RefusalAsync(replayed));
    }

    [Fact]
    public async Task data_after_the_final_frame_is_refused()
    {
        var stored = await EncryptAsync(Plain(Frame + 10));

        // The appended byte becomes part of the last frame read, which then fails its tag.
        Assert.Contains("Frame 1 of the encrypted artifact does not authenticate", await RefusalAsync([.. stored, 0x00]));
    }

    [Fact]
    public async Task a_second_object_appended_after_the_first_is_refused()
    {
        var first = await EncryptAsync(Plain(100));
        var second = await EncryptAsync(Plain(100));

        Assert.Contains("Frame 0 of the encrypted artifact does not authenticate", await RefusalAsync([.. first, .. second]));
    }

    [Theory]
    [InlineData("salt")]
    [InlineData("prefix")]
    [InlineData("frame-size")]
    [InlineData("ciphertext")]
    [InlineData("tag")]
    [InlineData("final-ciphertext")]
    public async Task one_flipped_bit_anywhere_is_refused(string where)
    {
        var stored = await EncryptAsync(Plain(2 * Frame + 50));
        var at = where switch
        {
            "frame-size" => 8 + 3,
            "salt" => 8 + 4 + 1 + KeyId.Length + 5,
            "prefix" => HeaderLength - 2,
            "ciphertext" => FrameStart(1) + 100,
            "tag" => FrameStart(1) + Frame + 3,
            _ => FrameStart(2) + 7,
        };

        stored[at] ^= 0x01;

        Assert.IsType<ArtifactDecryptionException>(await Record.ExceptionAsync(() => DecryptAsync(stored)));
    }

    [Fact]
    public async Task a_missing_key_is_named_and_the_keys_held_are_listed_but_never_their_material()
    {
        var stored = await EncryptAsync(Plain(100));
        var other = KeyRing.Of([("staging-2026", RandomNumberGenerator.GetBytes(32))]);

        var message = await RefusalAsync(stored, other, expectedKeyId: null);

        Assert.Contains($"key '{KeyId}'", message);
        Assert.Contains("'staging-2026'", message);
        Assert.DoesNotContain(Convert.ToBase64String(Material), message);
        Assert.DoesNotContain(Convert.ToHexString(Material), message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task a_wrong_key_under_the_right_id_fails_the_first_frame()
    {
        var stored = await EncryptAsync(Plain(2 * Frame));
        var impostor = KeyRing.Of([(KeyId, RandomNumberGenerator.GetBytes(32))]);

        var message = await RefusalAsync(stored, impostor);

        Assert.Contains("Frame 0", message);
        Assert.Contains("the key is wrong", message);
    }

    [Fact]
    public async Task an_object_naming_another_key_than_the_backup_recorded_is_refused()
    {
        var stored = await EncryptAsync(Plain(100));

        Assert.Contains("recorded key 'prod-2027'", await RefusalAsync(stored, expectedKeyId: "prod-2027"));
    }

    [Fact]
    public async Task after_rotation_both_the_old_and_the_new_key_read_their_objects()
    {
        var newMaterial = RandomNumberGenerator.GetBytes(32);
        var old = await EncryptAsync(Plain(3000));
        var rotated = KeyRing.Of([(KeyId, Material), ("prod-2027", newMaterial)], activeKeyId: "prod-2027");
        var plain = Plain(3000);
        var fresh = await EncryptAsync(plain, rotated);

        Assert.Equal(3000, (await DecryptAsync(old, rotated)).Length);
        Assert.Equal(plain, await DecryptAsync(fresh, rotated, "prod-2027"));
        Assert.Contains("'prod-2027'", await RefusalAsync(fresh, Ring, expectedKeyId: null));
    }

    [Fact]
    public async Task a_writer_that_never_finished_leaves_an_object_that_is_refused()
    {
        var stored = await EncryptAsync(Plain(2 * Frame + 10), finish: false);

        Assert.Contains("truncated", await RefusalAsync(stored));
    }

    [Fact]
    public async Task nothing_can_be_written_after_the_final_frame()
    {
        var writer = new EncryptingWriteStream(new MemoryStream(), Ring.Active!, Frame);
        await writer.WriteAsync(new byte[10]);
        await writer.FinishAsync(CancellationToken.None);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.WriteAsync(new byte[1]).AsTask());
    }

    [Fact]
    public async Task synchronous_reads_and_writes_give_the_same_object_back()
    {
        var plain = Plain(2 * Frame + 7);
        var stored = new MemoryStream();
        var writer = new EncryptingWriteStream(stored, Ring.Active!, Frame);
        writer.Write(plain, 0, 1000);
        writer.Write(plain, 1000, plain.Length - 1000);
        await writer.FinishAsync(CancellationToken.None);

        using var reader = new DecryptingReadStream(new MemoryStream(stored.ToArray()), Ring, KeyId);
        var back = new MemoryStream();
        reader.CopyTo(back, 100);

        Assert.Equal(plain, back.ToArray());
        Assert.Equal(KeyId, reader.KeyId);
        Assert.False(reader.CanSeek);
        Assert.Throws<NotSupportedException>(() => reader.Write(new byte[1], 0, 1));
        Assert.Throws<NotSupportedException>(() => writer.Read(new byte[1], 0, 1));
    }
}
