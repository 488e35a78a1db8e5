using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// The two PNG text chunks PIL 9.4 takes an orientation from when a PNG has no eXIf chunk: "Raw profile type exif"
/// (hex-encoded EXIF, written by ImageMagick and exiftool before eXIf existed) and the XMP packet
/// (<c>tiff:Orientation</c>). tEXt, zTXt and iTXt are read; a compressed one is inflated up to
/// <see cref="ImageStructureLimits.MaxTextChunkBytes"/> (more is refused, as PIL refuses it), a corrupt one ignored.
/// </summary>
internal static class PngText
{
    public const string LegacyExifKeyword = "Raw profile type exif";
    public const string XmpKeyword = "XML:com.adobe.xmp";

    /// <summary>One of the two keywords above when the chunk body starts with it; null otherwise.</summary>
    public static string? KnownKeyword(ReadOnlySpan<byte> body)
    {
        int zero = body.IndexOf((byte)0);
        return zero < 0 ? null
            : body[..zero].SequenceEqual("Raw profile type exif"u8) ? LegacyExifKeyword
            : body[..zero].SequenceEqual("XML:com.adobe.xmp"u8) ? XmpKeyword
            : null;
    }

    /// <summary>
    /// The Orientation tag of the EXIF in a "Raw profile type exif" chunk. PIL decodes the hex of every line after
    /// the third (the first three are empty, "exif" and the byte count).
    /// </summary>
    public static int? LegacyExifOrientation(ReadOnlyMemory<byte> png, PngStructure.Chunk chunk)
    {
        byte[]? text = ReadText(png, chunk, LegacyExifKeyword);
        if (text is null)
        {
            return null;
        }

        int start = 0;
        for (int line = 0; line < 3; line++)
        {
            int newline = text.AsSpan(start).IndexOf((byte)'\n');
            if (newline < 0)
            {
                return null;
            }

            start += newline + 1;
        }

        byte[]? exif = FromHex(text.AsSpan(start));
        return exif is null ? null : ExifOrientationReader.ReadFromExif(exif);
    }

    /// <summary>The digit after <c>tiff:Orientation="</c> or <c>tiff:Orientation&gt;</c> in the XMP packet (PIL's regular expression).</summary>
    public static int? XmpOrientation(ReadOnlyMemory<byte> png, PngStructure.Chunk chunk)
    {
        byte[]? text = ReadText(png, chunk, XmpKeyword);
        ReadOnlySpan<byte> rest = text;
        ReadOnlySpan<byte> name = "tiff:Orientation"u8;
        while (true)
        {
            int at = rest.IndexOf(name);
            if (at < 0)
            {
                return null;
            }

            rest = rest[(at + name.Length)..];
            if (rest.StartsWith("=\""u8) && rest.Length > 2 && char.IsAsciiDigit((char)rest[2]))
            {
                return rest[2] - '0';
            }

            if (rest.StartsWith(">"u8) && rest.Length > 1 && char.IsAsciiDigit((char)rest[1]))
            {
                return rest[1] - '0';
            }
        }
    }

    /// <summary>The text of a tEXt, zTXt or iTXt chunk, inflated when compressed; null when it cannot be read.</summary>
    private static byte[]? ReadText(ReadOnlyMemory<byte> png, PngStructure.Chunk chunk, string keyword)
    {
        ReadOnlyMemory<byte> body = png.Slice(chunk.Start, chunk.Length)[(keyword.Length + 1)..];
        ReadOnlySpan<byte> span = body.Span;
        switch (chunk.Type)
        {
            case 0x74455874: // tEXt
                return span.ToArray();
            case 0x7A545874: // zTXt: compression method 0, then zlib data
                return span.Length > 0 && span[0] == 0 ? Inflate(body[1..], keyword) : null;
            default: // iTXt: compressed flag, method, language tag \0, translated keyword \0, text
                if (span.Length < 2)
                {
                    return null;
                }

                bool compressed = span[0] == 1;
                int language = span[2..].IndexOf((byte)0);
                int translated = language < 0 ? -1 : span[(3 + language)..].IndexOf((byte)0);
                if (translated < 0 || (compressed && span[1] != 0))
                {
                    return null;
                }

                ReadOnlyMemory<byte> text = body[(4 + language + translated)..];
                return compressed ? Inflate(text, keyword) : text.ToArray();
        }
    }

    private static byte[]? Inflate(ReadOnlyMemory<byte> zlib, string keyword)
    {
        if (!MemoryMarshal.TryGetArray(zlib, out ArraySegment<byte> segment))
        {
            segment = zlib.ToArray();
        }

        const int Limit = ImageStructureLimits.MaxTextChunkBytes;
        byte[] output = new byte[Math.Min(Limit + 1, Math.Max(4096, segment.Count * 4))];
        int length = 0;
        try
        {
            using var inflater = new ZLibStream(new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false), CompressionMode.Decompress);
            while (true)
            {
                if (length == output.Length)
                {
                    if (length > Limit)
                    {
                        throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                            $"The PNG image's \"{keyword}\" text chunk inflates to more than {Limit:N0} bytes (1 MiB), the limit for a text chunk (PIL's too); it is damaged or made to exhaust memory."));
                    }

                    Array.Resize(ref output, Math.Min(Limit + 1, output.Length * 2));
                }

                int read = inflater.Read(output, length, output.Length - length);
                if (read == 0)
                {
                    return output[..length];
                }

                length += read;
            }
        }
        catch (InvalidDataException)
        {
            return null; // PIL ignores a text chunk that does not inflate
        }
    }

    /// <summary>Hex digits, ASCII whitespace allowed between byte pairs (Python's bytes.fromhex); null when it is not hex.</summary>
    private static byte[]? FromHex(ReadOnlySpan<byte> hex)
    {
        byte[] bytes = new byte[hex.Length / 2];
        int count = 0;
        for (int i = 0; i < hex.Length;)
        {
            if (hex[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C)
            {
                i++;
                continue;
            }

            if (i + 1 >= hex.Length || !char.IsAsciiHexDigit((char)hex[i]) || !char.IsAsciiHexDigit((char)hex[i + 1]))
            {
                return null;
            }

            bytes[count++] = (byte)((HexValue(hex[i]) << 4) | HexValue(hex[i + 1]));
            i += 2;
        }

        return bytes[..count];
    }

    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
