using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Ledger.Agent.Streams;

namespace Ledger.Agent.Repositories;

/// <summary>
/// Streaming authenticated encryption of artifacts: AES-256-GCM over frames of <see cref="DefaultFrameSize"/> bytes of
/// plaintext (the STREAM construction). The header (magic, version, frame size, key id, a random salt and a random nonce
/// prefix) is authenticated as associated data of every frame. Each object gets its own key, derived with HKDF-SHA256
/// from the configured key and the salt; frame i uses the nonce <c>prefix(7) || i (4, big-endian) || final (1)</c>.
/// Every frame but the last holds exactly a frame of plaintext; the last holds less (possibly nothing) and is marked
/// final, so a truncated object, reordered or altered frames, a wrong key and data after the end are all detected.
/// </summary>
public static class ArtifactEncryption
{
    public const int DefaultFrameSize = 1 << 20;
    public const int TagSize = 16;
    private const int SaltSize = 32;
    private const int PrefixSize = 7;
    private static readonly byte[] Magic = "DGLENC\u0001\0"u8.ToArray();
    private static readonly byte[] Info = "dgledger artifact encryption v1"u8.ToArray();

    /// <summary>A small object (a companion export) encrypted whole, in the same format as an artifact.</summary>
    public static async Task<byte[]> EncryptAsync(ReadOnlyMemory<byte> plain, EncryptionKey key, CancellationToken ct)
    {
        var stored = new MemoryStream(plain.Length + 128);
        await using (var encrypting = new EncryptingWriteStream(stored, key))
        {
            await encrypting.WriteAsync(plain, ct);
            await encrypting.FinishAsync(ct);
        }

        return stored.ToArray();
    }

    /// <summary>True when <paramref name="start"/> (the first bytes of an object) is an encrypted artifact.</summary>
    public static bool IsEncrypted(ReadOnlySpan<byte> start) => start.StartsWith(Magic);

    internal static byte[] Header(string keyId, int frameSize, out byte[] salt, out byte[] prefix)
    {
        var id = Encoding.ASCII.GetBytes(keyId);
        salt = RandomNumberGenerator.GetBytes(SaltSize);
        prefix = RandomNumberGenerator.GetBytes(PrefixSize);
        var header = new byte[Magic.Length + 4 + 1 + id.Length + SaltSize + PrefixSize];
        var at = 0;
        Magic.CopyTo(header, at); at += Magic.Length;
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(at), frameSize); at += 4;
        header[at++] = (byte)id.Length;
        id.CopyTo(header, at); at += id.Length;
        salt.CopyTo(header, at); at += SaltSize;
        prefix.CopyTo(header, at);
        return header;
    }

    internal static byte[] SubKey(EncryptionKey key, byte[] salt) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Material, 32, salt, Info);

    internal static void Nonce(Span<byte> nonce, byte[] prefix, uint frame, bool final)
    {
        prefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[PrefixSize..], frame);
        nonce[11] = final ? (byte)1 : (byte)0;
    }

    /// <summary>Reads and checks the header; returns (key id, frame size, salt, prefix, header bytes).</summary>
    internal static async Task<(string KeyId, int FrameSize, byte[] Salt, byte[] Prefix, byte[] Header)> ReadHeaderAsync(Stream inner, CancellationToken ct)
    {
        var fixedPart = new byte[Magic.Length + 5];
        if (await inner.ReadAtLeastAsync(fixedPart, fixedPart.Length, throwOnEndOfStream: false, ct) < fixedPart.Length
            || !fixedPart.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new ArtifactDecryptionException("The object is not an encrypted DgLedger artifact (its header is missing or damaged).");
        }

        var frameSize = BinaryPrimitives.ReadInt32BigEndian(fixedPart.AsSpan(Magic.Length));
        int idLength = fixedPart[^1];
        if (frameSize is < 1024 or > 64 << 20 || idLength is 0 or > 64)
        {
            throw new ArtifactDecryptionException("The encrypted artifact's header is damaged.");
        }

        var rest = new byte[idLength + SaltSize + PrefixSize];
        if (await inner.ReadAtLeastAsync(rest, rest.Length, throwOnEndOfStream: false, ct) < rest.Length)
        {
            throw new ArtifactDecryptionException("The encrypted artifact is truncated inside its header.");
        }

        var keyId = Encoding.ASCII.GetString(rest, 0, idLength);
        return (keyId, frameSize, rest[idLength..(idLength + SaltSize)], rest[(idLength + SaltSize)..], [.. fixedPart, .. rest]);
    }
}

/// <summary>Encryption failed to authenticate, or the object is not what it should be; the message says which.</summary>
public sealed class ArtifactDecryptionException(string message) : IOException(message);

/// <summary>
/// Write-only: encrypts what is written (see <see cref="ArtifactEncryption"/>) into <paramref name="inner"/>.
/// <see cref="FinishAsync"/> writes the final frame; an object whose writer was not finished has no final frame and is
/// refused when read.
/// </summary>
public sealed class EncryptingWriteStream : WriteOnlyStream
{
    private readonly Stream _inner;
    private readonly AesGcm _aes;
    private readonly byte[] _header, _prefix, _plain, _cipher;
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _tag = new byte[ArtifactEncryption.TagSize];
    private int _filled;
    private uint _frame;
    private bool _headerWritten, _finished;

    public EncryptingWriteStream(Stream inner, EncryptionKey key, int frameSize = ArtifactEncryption.DefaultFrameSize)
    {
        _inner = inner;
        _header = ArtifactEncryption.Header(key.Id, frameSize, out var salt, out _prefix);
        _aes = new AesGcm(ArtifactEncryption.SubKey(key, salt), ArtifactEncryption.TagSize);
        _plain = new byte[frameSize];
        _cipher = new byte[frameSize];
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (buffer.Length > 0)
        {
            var take = Math.Min(buffer.Length, _plain.Length - _filled);
            buffer[..take].CopyTo(_plain.AsMemory(_filled));
            _filled += take;
            buffer = buffer[take..];
            if (_filled == _plain.Length)
            {
                await EmitAsync(final: false, cancellationToken);
            }
        }
    }

    /// <summary>Writes the final frame (what is left, possibly nothing) and flushes; nothing may be written after it.</summary>
    public async Task FinishAsync(CancellationToken ct)
    {
        if (!_finished)
        {
            await EmitAsync(final: true, ct);
            _finished = true;
        }

        await _inner.FlushAsync(ct);
    }

    private async Task EmitAsync(bool final, CancellationToken ct)
    {
        if (!_headerWritten)
        {
            await _inner.WriteAsync(_header, ct);
            _headerWritten = true;
        }

        ArtifactEncryption.Nonce(_nonce, _prefix, _frame++, final);
        _aes.Encrypt(_nonce, _plain.AsSpan(0, _filled), _cipher.AsSpan(0, _filled), _tag, _header);
        await _inner.WriteAsync(_cipher.AsMemory(0, _filled), ct);
        await _inner.WriteAsync(_tag, ct);
        _filled = 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Read-only: the plaintext of an encrypted artifact, authenticated frame by frame. Throws
/// <see cref="ArtifactDecryptionException"/> for a missing key, a wrong key, an altered or truncated object.
/// </summary>
public sealed class DecryptingReadStream(Stream inner, KeyRing keys, string? expectedKeyId) : ReadOnlyStream
{
    private AesGcm? _aes;
    private byte[] _header = [], _prefix = [], _frameBuffer = [], _plain = [];
    private readonly byte[] _nonce = new byte[12];
    private int _plainOffset, _plainLength;
    private uint _frame;
    private bool _final;

    /// <summary>The key id the object's header names (known after the first read).</summary>
    public string? KeyId { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_aes is null)
        {
            await StartAsync(cancellationToken);
        }

        while (_plainOffset == _plainLength)
        {
            if (_final)
            {
                return 0;
            }

            await NextFrameAsync(cancellationToken);
        }

        var take = Math.Min(buffer.Length, _plainLength - _plainOffset);
        _plain.AsMemory(_plainOffset, take).CopyTo(buffer);
        _plainOffset += take;
        return take;
    }

    private async Task StartAsync(CancellationToken ct)
    {
        var (keyId, frameSize, salt, prefix, header) = await ArtifactEncryption.ReadHeaderAsync(inner, ct);
        KeyId = keyId;
        if (expectedKeyId is not null && keyId != expectedKeyId)
        {
            throw new ArtifactDecryptionException($"The artifact names key '{keyId}', but the backup recorded key '{expectedKeyId}'.");
        }

        var key = keys.Find(keyId) ?? throw new ArtifactDecryptionException(keys.MissingKeyProblem(keyId)!);
        (_header, _prefix) = (header, prefix);
        _frameBuffer = new byte[frameSize + ArtifactEncryption.TagSize];
        _plain = new byte[frameSize];
        _aes = new AesGcm(ArtifactEncryption.SubKey(key, salt), ArtifactEncryption.TagSize);
    }

    private async Task NextFrameAsync(CancellationToken ct)
    {
        var read = await inner.ReadAtLeastAsync(_frameBuffer, _frameBuffer.Length, throwOnEndOfStream: false, ct);
        if (read < ArtifactEncryption.TagSize)
        {
            throw new ArtifactDecryptionException($"The encrypted artifact is truncated: it ends after frame {_frame} without its final frame.");
        }

        // A short read is the end of the object (ReadAtLeast reads on until it has a whole frame or the object ends), so
        // the last frame is the one sealed as final; bytes appended after it become part of it and fail its tag.
        var final = read < _frameBuffer.Length;
        var length = read - ArtifactEncryption.TagSize;
        ArtifactEncryption.Nonce(_nonce, _prefix, _frame, final);
        try
        {
            _aes!.Decrypt(_nonce, _frameBuffer.AsSpan(0, length), _frameBuffer.AsSpan(length, ArtifactEncryption.TagSize),
                _plain.AsSpan(0, length), _header);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new ArtifactDecryptionException(
                $"Frame {_frame} of the encrypted artifact does not authenticate with key '{KeyId}': the key is wrong, or the object was altered or truncated.");
        }

        _frame++;
        (_plainOffset, _plainLength, _final) = (0, length, final);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes?.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _aes?.Dispose();
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
