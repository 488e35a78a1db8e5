namespace BlipCaptioning.Cli.Inputs;

/// <summary>One thing <c>blip caption</c> captions: a file, standard input or a URL.</summary>
internal abstract class CaptionInput
{
    /// <summary>How the input is named in the output: the path as found, <c>-</c>, or the URL.</summary>
    public abstract string Name { get; }

    /// <summary>A fresh stream of the image's bytes (each call starts again from the first byte).</summary>
    /// <exception cref="InputFailedException">The bytes cannot be had.</exception>
    public abstract Task<Stream> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="count"/> first bytes, or none when they cannot be read (for telling what a refused input was).</summary>
    public async Task<byte[]> ReadHeadAsync(int count, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await OpenAsync(cancellationToken).ConfigureAwait(false);
            byte[] head = new byte[count];
            int read = await stream.ReadAtLeastAsync(head, count, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return head[..read];
        }
        catch (Exception ex) when (ex is InputFailedException or IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
