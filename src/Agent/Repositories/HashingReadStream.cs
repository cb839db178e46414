using System.Security.Cryptography;
using Ledger.Agent.Streams;

namespace Ledger.Agent.Repositories;

/// <summary>A read-only stream that hashes (SHA-256) and counts every byte read from the inner stream.</summary>
public sealed class HashingReadStream(Stream inner) : ReadOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesRead { get; private set; }

    private string? _digestAtDispose;

    /// <summary>Lower-case hex SHA-256 of everything read so far (also after the stream was disposed).</summary>
    public string HexDigest() => _digestAtDispose ?? Convert.ToHexStringLower(_hash.GetCurrentHash());

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _hash.AppendData(buffer.Span[..read]);
        BytesRead += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        _hash.AppendData(buffer.AsSpan(offset, read));
        BytesRead += read;
        return read;
    }

    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _digestAtDispose ??= HexDigest();
            _hash.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _digestAtDispose ??= HexDigest();
        _hash.Dispose();
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
