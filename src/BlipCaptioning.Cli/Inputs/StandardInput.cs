using System.Globalization;

namespace BlipCaptioning.Cli.Inputs;

/// <summary>Standard input as <c>blip caption -</c> reads it (an image) and as <c>--files-from -</c> reads it (a list).</summary>
internal static class StandardInput
{
    /// <summary>The argument that means standard input.</summary>
    public const string Dash = "-";

    /// <summary>The image bytes on standard input, read to the end within <paramref name="maxBytes"/>.</summary>
    public static CaptionInput Image(long maxBytes) => new BufferedInput(Dash, async cancellationToken =>
    {
        try
        {
            await using var stdin = Console.OpenStandardInput();
            return await BoundedRead.ReadAsync(stdin, maxBytes, cancellationToken).ConfigureAwait(false)
                ?? throw new InputFailedException(FailureKind.UnsupportedImage, string.Create(CultureInfo.InvariantCulture,
                    $"Standard input holds more than {maxBytes:N0} bytes, over the limit (--max-image-bytes)."));
        }
        catch (IOException ex)
        {
            throw new InputFailedException(FailureKind.Unreadable, $"Standard input could not be read: {ex.Message}", ex);
        }
    });
}
