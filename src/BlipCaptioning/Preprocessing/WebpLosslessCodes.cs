using System.Globalization;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Reads a lossless WebP (VP8L) bitstream up to its prefix codes, to bound the number of prefix-code groups before
/// ImageSharp allocates them. ImageSharp 2.1 allocates one Huffman table (up to 40 KB) for every group index up to
/// the largest one in the entropy image, which can be 65,535 whatever the image size: a 54-byte file made it
/// allocate 1.5 GB (found by the fuzzer). Newer libwebp and ImageSharp map the indices; 2.1 does not, so we refuse
/// more than <see cref="ImageStructureLimits.MaxWebpPrefixCodeGroups"/>.
/// </summary>
/// <remarks>
/// The walk follows the WebP lossless format (RFC 9649): the transforms, whose sub-images are decoded symbol by
/// symbol without keeping their pixels, to reach the main image's color cache and meta prefix code. The largest
/// group index is bounded from the entropy image's own prefix codes: a group index is red * 256 + green of an entropy
/// pixel, and every pixel is a literal, a copy of an earlier one or a cached earlier one, so no index exceeds
/// (largest red symbol) * 256 + (largest green literal). Streams libwebp refuses (invalid prefix codes, code lengths
/// past the alphabet, copies past the image, a transform twice, a cut stream) are refused here too, so ImageSharp
/// never reads them differently from this walk. The alpha channel of a lossy WebP (ALPH chunk) is the same bitstream
/// without its header.
/// </remarks>
internal static class WebpLosslessCodes
{
    private const string Format = "WEBP";
    private const int MaxCodeLength = 15;
    private const int NumLiteralCodes = 256;
    private const int NumLengthCodes = 24;
    private const int NumDistanceCodes = 40;
    private const int MaxColorCacheBits = 11;

    private static ReadOnlySpan<byte> CodeLengthCodeOrder => [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    /// <summary>Checks a VP8L chunk's payload (signature, 14-bit width and height, flags, then the image stream).</summary>
    public static void CheckImage(ReadOnlySpan<byte> vp8l, long maxPixels)
    {
        var bits = new BitReader(vp8l);
        if (bits.Read(8) != 0x2F)
        {
            throw ImageStructure.Damaged(Format, "its lossless image does not start with the VP8L signature");
        }

        int width = (int)bits.Read(14) + 1;
        int height = (int)bits.Read(14) + 1;
        bits.Read(1); // alpha is used
        if (bits.Read(3) != 0)
        {
            throw ImageStructure.Damaged(Format, "its lossless image has an unknown version");
        }

        CheckStream(ref bits, width, height, maxPixels);
    }

    /// <summary>Checks the lossless-compressed alpha of a lossy WebP: an image stream of the frame's size without a header.</summary>
    public static void CheckAlpha(ReadOnlySpan<byte> stream, int width, int height, long maxPixels)
    {
        var bits = new BitReader(stream);
        CheckStream(ref bits, width, height, maxPixels);
    }

    private static void CheckStream(ref BitReader bits, int width, int height, long maxPixels)
    {
        if ((long)width * height > maxPixels)
        {
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"The WEBP image is {width:N0} x {height:N0} = {(long)width * height:N0} pixels, over the limit of {maxPixels:N0} pixels (MaxPixels). Scale it down before sending it."));
        }

        int xSize = width;
        int seenTransforms = 0;
        while (bits.Read(1) == 1)
        {
            int type = (int)bits.Read(2);
            if ((seenTransforms & (1 << type)) != 0)
            {
                throw ImageStructure.Damaged(Format, "its lossless image uses a transform twice");
            }

            seenTransforms |= 1 << type;
            switch (type)
            {
                case 0: // predictor
                case 1: // cross color
                    int blockBits = (int)bits.Read(3) + 2;
                    SkipEntropyCodedImage(ref bits, SubSample(xSize, blockBits), SubSample(height, blockBits));
                    break;
                case 3: // color indexing
                    int colors = (int)bits.Read(8) + 1;
                    SkipEntropyCodedImage(ref bits, colors, 1);
                    xSize = SubSample(xSize, colors > 16 ? 0 : colors > 4 ? 1 : colors > 2 ? 2 : 3);
                    break;
                default: // subtract green: no data
                    break;
            }
        }

        ReadColorCacheBits(ref bits);
        if (bits.Read(1) == 0)
        {
            return; // one prefix-code group for the whole image
        }

        bits.Read(3); // the entropy image's block size
        int entropyCacheBits = ReadColorCacheBits(ref bits);
        PrefixCode[] codes = ReadGroup(ref bits, entropyCacheBits);
        long largestGroup = (codes[1].LargestSymbol * 256L) + Math.Max(0, codes[0].LargestSymbolBelow(NumLiteralCodes));
        if (largestGroup >= ImageStructureLimits.MaxWebpPrefixCodeGroups)
        {
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"The WEBP image's lossless data may use up to {largestGroup + 1:N0} prefix-code groups, over the limit of {ImageStructureLimits.MaxWebpPrefixCodeGroups:N0} (libwebp writes at most 2,600); the decoder would allocate a table for each. It is damaged or made to exhaust memory."));
        }

        bits.ThrowIfPastEnd();
    }

    /// <summary>Reads a sub-image (transform data, palette) symbol by symbol to find where it ends.</summary>
    private static void SkipEntropyCodedImage(ref BitReader bits, int xSize, int ySize)
    {
        int cacheBits = ReadColorCacheBits(ref bits);
        PrefixCode[] codes = ReadGroup(ref bits, cacheBits);
        long total = (long)xSize * ySize;
        for (long pixel = 0; pixel < total;)
        {
            int green = codes[0].Decode(ref bits);
            if (green < NumLiteralCodes)
            {
                codes[1].Decode(ref bits);
                codes[2].Decode(ref bits);
                codes[3].Decode(ref bits);
                pixel++;
            }
            else if (green < NumLiteralCodes + NumLengthCodes)
            {
                int length = PrefixValue(ref bits, green - NumLiteralCodes);
                PrefixValue(ref bits, codes[4].Decode(ref bits));
                if (length > total - pixel)
                {
                    throw ImageStructure.Damaged(Format, "its lossless image copies pixels past its end");
                }

                pixel += length;
            }
            else
            {
                pixel++; // a color cache entry
            }

            bits.ThrowIfPastEnd();
        }
    }

    private static int ReadColorCacheBits(ref BitReader bits)
    {
        if (bits.Read(1) == 0)
        {
            return 0;
        }

        int cacheBits = (int)bits.Read(4);
        return cacheBits is >= 1 and <= MaxColorCacheBits
            ? cacheBits
            : throw ImageStructure.Damaged(Format, "its lossless image has an invalid color cache size");
    }

    /// <summary>The five prefix codes of a group: green (with length and cache codes), red, blue, alpha, distance.</summary>
    private static PrefixCode[] ReadGroup(ref BitReader bits, int cacheBits)
    {
        int green = NumLiteralCodes + NumLengthCodes + (cacheBits > 0 ? 1 << cacheBits : 0);
        return
        [
            ReadPrefixCode(ref bits, green),
            ReadPrefixCode(ref bits, NumLiteralCodes),
            ReadPrefixCode(ref bits, NumLiteralCodes),
            ReadPrefixCode(ref bits, NumLiteralCodes),
            ReadPrefixCode(ref bits, NumDistanceCodes),
        ];
    }

    private static PrefixCode ReadPrefixCode(ref BitReader bits, int alphabetSize)
    {
        int[] lengths = new int[alphabetSize];
        if (bits.Read(1) == 1)
        {
            // Simple code: one or two symbols, the first of 1 or 8 bits, the second of 8.
            int symbols = (int)bits.Read(1) + 1;
            int first = (int)bits.Read(bits.Read(1) == 0 ? 1 : 8);
            SetLength(lengths, first, 1);
            if (symbols == 2)
            {
                SetLength(lengths, (int)bits.Read(8), 1);
            }
        }
        else
        {
            int[] codeLengthLengths = new int[CodeLengthCodeOrder.Length];
            int count = (int)bits.Read(4) + 4;
            for (int i = 0; i < count; i++)
            {
                codeLengthLengths[CodeLengthCodeOrder[i]] = (int)bits.Read(3);
            }

            ReadCodeLengths(ref bits, PrefixCode.Build(codeLengthLengths), lengths);
        }

        bits.ThrowIfPastEnd();
        return PrefixCode.Build(lengths);
    }

    private static void SetLength(int[] lengths, int symbol, int length)
    {
        if (symbol >= lengths.Length)
        {
            throw ImageStructure.Damaged(Format, "its lossless image has a prefix code with a symbol outside its alphabet");
        }

        lengths[symbol] = length;
    }

    private static void ReadCodeLengths(ref BitReader bits, PrefixCode codeLengthCode, int[] lengths)
    {
        int maxSymbol = lengths.Length;
        if (bits.Read(1) == 1)
        {
            int lengthBits = 2 + (2 * (int)bits.Read(3));
            maxSymbol = 2 + (int)bits.Read(lengthBits);
            if (maxSymbol > lengths.Length)
            {
                throw ImageStructure.Damaged(Format, "its lossless image has a prefix code longer than its alphabet");
            }
        }

        int previous = 8;
        for (int symbol = 0; symbol < lengths.Length && maxSymbol-- > 0;)
        {
            int code = codeLengthCode.Decode(ref bits);
            if (code < 16)
            {
                lengths[symbol++] = code;
                previous = code != 0 ? code : previous;
                continue;
            }

            int repeat = code switch
            {
                16 => (int)bits.Read(2) + 3,
                17 => (int)bits.Read(3) + 3,
                _ => (int)bits.Read(7) + 11,
            };
            if (symbol + repeat > lengths.Length)
            {
                throw ImageStructure.Damaged(Format, "its lossless image repeats a code length past its alphabet");
            }

            lengths.AsSpan(symbol, repeat).Fill(code == 16 ? previous : 0);
            symbol += repeat;
        }
    }

    /// <summary>A length or distance from its prefix symbol and extra bits (RFC 9649 5.2.2).</summary>
    private static int PrefixValue(ref BitReader bits, int symbol)
    {
        if (symbol < 4)
        {
            return symbol + 1;
        }

        int extraBits = (symbol - 2) >> 1;
        int offset = (2 + (symbol & 1)) << extraBits;
        return offset + (int)bits.Read(extraBits) + 1;
    }

    private static int SubSample(int size, int bits) => (size + (1 << bits) - 1) >> bits;

    /// <summary>Bits least significant first, as VP8L stores them; reading past the end gives zeros and is noted.</summary>
    private ref struct BitReader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private long _position;

        public uint Read(int count)
        {
            uint value = Peek(count);
            _position += count;
            return value;
        }

        public readonly uint Peek(int count)
        {
            // Up to 8 bytes from the current byte, little-endian; bytes past the end read as zeros.
            long index = _position >> 3;
            ulong window = 0;
            for (int i = 0; i < 8 && index + i < _bytes.Length; i++)
            {
                window |= (ulong)_bytes[(int)(index + i)] << (8 * i);
            }

            return (uint)((window >> (int)(_position & 7)) & ((1UL << count) - 1));
        }

        public void Skip(int count) => _position += count;

        public readonly void ThrowIfPastEnd()
        {
            if (_position > (long)_bytes.Length * 8)
            {
                throw ImageStructure.Damaged(Format, "its lossless image data ends before its prefix codes and transforms do");
            }
        }
    }

    /// <summary>
    /// A canonical prefix code decoded through a table indexed by the next 15 bits. A code with one symbol takes no
    /// bits (as in libwebp); a code that is neither complete nor a single symbol is invalid.
    /// </summary>
    private sealed class PrefixCode
    {
        private readonly int[] _table; // symbol << 4 | length, indexed by the next _tableBits bits
        private readonly int _tableBits;
        private readonly int _single;
        private readonly int[] _lengths;

        private PrefixCode(int[] lengths, int[] table, int tableBits, int single)
        {
            _lengths = lengths;
            _table = table;
            _tableBits = tableBits;
            _single = single;
        }

        /// <summary>The largest symbol with a code, or -1 when none.</summary>
        public int LargestSymbol => LargestSymbolBelow(_lengths.Length);

        public int LargestSymbolBelow(int limit)
        {
            for (int symbol = Math.Min(limit, _lengths.Length) - 1; symbol >= 0; symbol--)
            {
                if (_lengths[symbol] != 0)
                {
                    return symbol;
                }
            }

            return -1;
        }

        public static PrefixCode Build(int[] lengths)
        {
            int used = 0, single = -1;
            Span<int> counts = stackalloc int[MaxCodeLength + 1];
            for (int symbol = 0; symbol < lengths.Length; symbol++)
            {
                if (lengths[symbol] > 0)
                {
                    counts[lengths[symbol]]++;
                    used++;
                    single = symbol;
                }
            }

            if (used == 1)
            {
                return new PrefixCode(lengths, [], 0, single);
            }

            // Kraft: a complete code fills the code space exactly (libwebp refuses incomplete and over-full codes).
            long space = 0;
            for (int length = 1; length <= MaxCodeLength; length++)
            {
                space += (long)counts[length] << (MaxCodeLength - length);
            }

            if (used == 0 || space != 1L << MaxCodeLength)
            {
                throw ImageStructure.Damaged(Format, "its lossless image has an invalid prefix code");
            }

            int tableBits = MaxCodeLength;
            while (counts[tableBits] == 0)
            {
                tableBits--;
            }

            Span<int> next = stackalloc int[MaxCodeLength + 1];
            for (int length = 1, code = 0; length <= MaxCodeLength; length++)
            {
                code = (code + counts[length - 1]) << 1;
                next[length] = code;
            }

            int[] table = new int[1 << tableBits];
            for (int symbol = 0; symbol < lengths.Length; symbol++)
            {
                int length = lengths[symbol];
                if (length == 0)
                {
                    continue;
                }

                int code = next[length]++;
                int reversed = 0;
                for (int i = 0; i < length; i++)
                {
                    reversed |= ((code >> i) & 1) << (length - 1 - i);
                }

                for (int fill = reversed; fill < table.Length; fill += 1 << length)
                {
                    table[fill] = (symbol << 4) | length;
                }
            }

            return new PrefixCode(lengths, table, tableBits, -1);
        }

        public int Decode(ref BitReader bits)
        {
            if (_single >= 0)
            {
                return _single;
            }

            int entry = _table[(int)bits.Peek(_tableBits)];
            bits.Skip(entry & 0xF);
            return entry >> 4;
        }
    }
}
