namespace BlipCaptioning.Cli.Inputs;

/// <summary>The first four bytes of every TIFF file: "II*\0" (little-endian) or "MM\0*" (big-endian).</summary>
internal static class TiffSignature
{
    public static bool Matches(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && (head[..4].SequenceEqual("II*\0"u8) || head[..4].SequenceEqual("MM\0*"u8));
}
