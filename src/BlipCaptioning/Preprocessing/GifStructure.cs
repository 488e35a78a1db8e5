using System.Buffers.Binary;
using System.Globalization;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Walks a GIF up to the end of its first frame, the only one used (as PIL's <c>Image.open</c> uses it): extension
/// blocks before it count against <see cref="ImageStructureLimits.MaxSegments"/> and
/// <see cref="ImageStructureLimits.MaxMetadataBytes"/>, unknown bytes are skipped as PIL skips them, the frame must
/// hold no more pixels than <see cref="ImageLoadingOptions.MaxPixels"/> and its data must be complete (PIL refuses a
/// cut frame; ImageSharp would fill it). The decoder then gets the bytes up to the end of that frame, so later frames,
/// however many or broken, cost nothing.
/// </summary>
internal static class GifStructure
{
    private const string Format = "GIF";
    private const int HeaderAndScreen = 13;

    public static ImageStructure Scan(ReadOnlyMemory<byte> data, long maxPixels)
    {
        ReadOnlySpan<byte> gif = data.Span;
        if (gif.Length < HeaderAndScreen)
        {
            throw Truncated(gif.Length);
        }

        var budget = new StructureBudget(Format, "blocks before its first image");
        int i = HeaderAndScreen + ColorTableLength(gif[10]);
        while (i < gif.Length)
        {
            switch (gif[i])
            {
                case 0x21: // extension: label, then sub-blocks
                    budget.CountSegment();
                    i = SkipSubBlocks(gif, i + 2, budget);
                    break;
                case 0x2C: // image descriptor, local colour table, LZW code size, then the image's sub-blocks
                    if (i + 10 > gif.Length)
                    {
                        throw Truncated(gif.Length);
                    }

                    int width = BinaryPrimitives.ReadUInt16LittleEndian(gif[(i + 5)..]);
                    int height = BinaryPrimitives.ReadUInt16LittleEndian(gif[(i + 7)..]);
                    if ((long)width * height > maxPixels)
                    {
                        throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                            $"The GIF image's first frame is {width:N0} x {height:N0} = {(long)width * height:N0} pixels, over the limit of {maxPixels:N0} pixels (MaxPixels). Scale it down before sending it."));
                    }

                    int end = SkipSubBlocks(gif, i + 10 + ColorTableLength(gif[i + 9]) + 1, budget: null);
                    return end <= gif.Length ? new ImageStructure(data[..end], null) : throw Truncated(gif.Length);
                case 0x3B: // trailer
                    throw ImageStructure.Damaged(Format, "it ends (trailer byte) before its first image");
                default:
                    i++; // PIL skips bytes it does not know between blocks
                    break;
            }
        }

        throw Truncated(gif.Length);
    }

    private static UnsupportedImageException Truncated(int length) =>
        ImageStructure.Truncated(Format, length, "the image data its header announces");

    private static int ColorTableLength(byte flags) => (flags & 0x80) != 0 ? 3 * (1 << ((flags & 7) + 1)) : 0;

    /// <summary>Returns the index after a chain of sub-blocks, or past the end when the chain is cut.</summary>
    private static int SkipSubBlocks(ReadOnlySpan<byte> gif, int i, StructureBudget? budget)
    {
        while (i < gif.Length)
        {
            int size = gif[i];
            i++;
            if (size == 0)
            {
                return i;
            }

            budget?.CountMetadata(size);
            i += size;
        }

        return gif.Length + 1;
    }
}
