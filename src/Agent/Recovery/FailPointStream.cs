using Ledger.Agent.Streams;

namespace Ledger.Agent.Recovery;

/// <summary>A stream that reaches a fail point at its first write (so a test can kill the agent while a program streams into it).</summary>
public sealed class FailPointStream(Stream inner, string phase) : WriteOnlyStream
{
    private bool _reached;

    /// <summary><paramref name="inner"/> itself unless <paramref name="phase"/> is armed.</summary>
    public static Stream Wrap(Stream inner, string phase) => FailPoints.IsArmed(phase) ? new FailPointStream(inner, phase) : inner;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        if (!_reached)
        {
            _reached = true;
            await inner.FlushAsync(cancellationToken);
            await FailPoints.ReachAsync(phase);
        }
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        if (!_reached)
        {
            _reached = true;
            inner.Flush();
            FailPoints.Reach(phase);
        }
    }

    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}
