namespace BlipCaptioning.Preprocessing;

/// <summary>
/// A read-only stream over bytes in memory that throws <see cref="OperationCanceledException"/> from every read and
/// seek once its token is cancelled. Decoders that take no token (ImageSharp's PNG, GIF, BMP and WebP) read their
/// input through it in buffer-sized steps, so a cancellation or an exhausted time budget stops them at their next
/// read.
/// </summary>
internal sealed class CancellableReadStream(ArraySegment<byte> bytes, CancellationToken cancellationToken)
    : MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false)
{
    public override int Read(byte[] buffer, int offset, int count)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return base.Read(buffer, offset, count);
    }

    public override int Read(Span<byte> buffer)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return base.Read(buffer);
    }

    public override int ReadByte()
    {
        cancellationToken.ThrowIfCancellationRequested();
        return base.ReadByte();
    }

    public override long Seek(long offset, SeekOrigin loc)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return base.Seek(offset, loc);
    }
}
