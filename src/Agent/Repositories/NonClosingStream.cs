using Ledger.Agent.Streams;

namespace Ledger.Agent.Repositories;

/// <summary>A read-only view of a stream whose disposal leaves the inner stream open (the caller still reads it to the end).</summary>
public sealed class NonClosingStream(Stream inner) : ReadOnlyStream
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
}
