namespace BlipCaptioning.Cli.Inputs;

/// <summary>Reads a stream to its end into memory, giving up as soon as it passes a byte limit.</summary>
internal static class BoundedRead
{
    /// <summary>All the bytes, or null when there are more than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        while (true)
        {
            // WaitAsync: a read of standard input or a pipe may ignore the token; Ctrl+C must not wait for it.
            int read = await stream.ReadAsync(chunk, cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.ToArray();
            }

            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }
    }
}
