using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Walks a PNG's chunks by their lengths within <see cref="ImageStructureLimits"/>: IHDR first and once, every chunk inside
/// the data, at most <see cref="ImageStructureLimits.MaxSegments"/> chunks besides IDAT and
/// <see cref="ImageStructureLimits.MaxMetadataBytes"/> in chunks that hold no pixels. Text chunks are never inflated,
/// except the two PIL reads the orientation from when there is no eXIf chunk ("Raw profile type exif", then the XMP
/// packet), each up to <see cref="ImageStructureLimits.MaxTextChunkBytes"/>.
/// </summary>
/// <remarks>
/// ImageSharp 2.1 cannot read a zlib header split across IDAT chunks, and spends an allocation and a CRC check on
/// each chunk; PIL reads any split. When the first IDAT is shorter than <see cref="MinFirstDataChunk"/> bytes or
/// there are more IDAT chunks than <see cref="ImageStructureLimits.MaxSegments"/>, the run of IDAT chunks is handed
/// to the decoder as one chunk (a copy of the file, at most its size).
/// </remarks>
internal static class PngStructure
{
    /// <summary>The zlib header (2 bytes) and a preset dictionary id (4) must be in the first IDAT for ImageSharp.</summary>
    internal const int MinFirstDataChunk = 6;

    private const string Format = "PNG";
    private const int Signature = 8;
    private const int ChunkOverhead = 12; // length, type, CRC
    private const uint Header = 0x49484452;   // IHDR
    private const uint Palette = 0x504C5445;  // PLTE
    private const uint Transparency = 0x74524E53; // tRNS
    private const uint ImageData = 0x49444154; // IDAT
    private const uint End = 0x49454E44;      // IEND
    private const uint Exif = 0x65584966;     // eXIf
    private const uint Text = 0x74455874;     // tEXt
    private const uint CompressedText = 0x7A545874; // zTXt
    private const uint InternationalText = 0x69545874; // iTXt

    public static ImageStructure Scan(ReadOnlyMemory<byte> data)
    {
        ReadOnlySpan<byte> png = data.Span;
        var budget = new StructureBudget(Format, "chunks besides its image data");
        var dataRun = new DataRun();
        Chunk? exif = null, legacyExif = null, xmp = null;
        bool ended = false;
        int i = Signature;
        while (i < png.Length)
        {
            if (i + 8 > png.Length)
            {
                if (dataRun.Count > 0)
                {
                    break; // a cut IEND: PIL needs nothing after the image data, and neither do we
                }

                throw ImageStructure.Truncated(Format, png.Length, "the end of its last chunk");
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(png[i..]);
            uint type = BinaryPrimitives.ReadUInt32BigEndian(png[(i + 4)..]);
            if ((i == Signature) != (type == Header))
            {
                throw ImageStructure.Damaged(Format, i == Signature
                    ? "it does not start with its header chunk (IHDR)"
                    : "it has a second header chunk (IHDR)");
            }

            long end = (long)i + ChunkOverhead + length;
            if (length > int.MaxValue || end > png.Length)
            {
                if (dataRun.Count > 0 && type != ImageData)
                {
                    break; // a broken chunk after the image data: PIL ignores it, and so do we (the decoder stops there too)
                }

                throw length > int.MaxValue
                    ? ImageStructure.Damaged(Format, string.Create(CultureInfo.InvariantCulture, $"its {Printable(type)} chunk announces {length:N0} bytes, more than PNG allows"))
                    : ImageStructure.Truncated(Format, png.Length, $"the end of its {Printable(type)} chunk");
            }

            var chunk = new Chunk(type, i + 8, (int)length);
            if (type == ImageData)
            {
                dataRun.Add(chunk, (int)end);
            }
            else
            {
                dataRun.Close();
                budget.CountSegment();
                if (type == End)
                {
                    ended = true;
                    break; // what follows IEND is not part of the image (PIL and ImageSharp stop there too)
                }

                if (type is not (Header or Palette or Transparency))
                {
                    budget.CountMetadata(length);
                }

                if (type == Exif)
                {
                    exif = chunk; // PIL keeps the last one of each
                }
                else if (type is Text or CompressedText or InternationalText)
                {
                    string? keyword = PngText.KnownKeyword(png.Slice(chunk.Start, chunk.Length));
                    legacyExif = keyword == PngText.LegacyExifKeyword ? chunk : legacyExif;
                    xmp = keyword == PngText.XmpKeyword ? chunk : xmp;
                }
            }

            i = (int)end;
        }

        if (dataRun.Count == 0)
        {
            throw ended
                ? ImageStructure.Damaged(Format, "it has no image data (IDAT chunk)")
                : ImageStructure.Truncated(Format, png.Length, "its image data (IDAT chunks)");
        }

        int? orientation = exif is { } e
            ? ExifOrientationReader.ReadFromExif(png.Slice(e.Start, e.Length))
            : legacyExif is { } legacy ? PngText.LegacyExifOrientation(data, legacy) : null;
        if (orientation is null && xmp is { } packet)
        {
            orientation = PngText.XmpOrientation(data, packet);
        }

        ReadOnlyMemory<byte> decoderInput = dataRun.NeedsGathering ? GatherDataChunks(png, dataRun) : data;
        return new ImageStructure(decoderInput, orientation);
    }

    /// <summary>The file with its run of IDAT chunks replaced by one IDAT chunk holding the same bytes.</summary>
    private static byte[] GatherDataChunks(ReadOnlySpan<byte> png, DataRun run)
    {
        byte[] output = new byte[png.Length - ((run.Count - 1) * ChunkOverhead)];
        png[..run.FirstChunkAt].CopyTo(output);
        int o = run.FirstChunkAt;
        BinaryPrimitives.WriteInt32BigEndian(output.AsSpan(o), checked((int)run.DataBytes));
        "IDAT"u8.CopyTo(output.AsSpan(o + 4));
        int dataStart = o + 8;
        o = dataStart;
        for (int i = run.FirstChunkAt; i < run.End;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png[i..]);
            png.Slice(i + 8, length).CopyTo(output.AsSpan(o));
            o += length;
            i += ChunkOverhead + length;
        }

        var crc = new Crc32();
        crc.Append(output.AsSpan(dataStart - 4, o - dataStart + 4)); // type and data
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(o), crc.GetCurrentHashAsUInt32());
        o += 4;
        png[run.End..].CopyTo(output.AsSpan(o));
        return output;
    }

    /// <summary>The chunk type as its four letters, or in hex when they are not letters.</summary>
    private static string Printable(uint type)
    {
        Span<byte> letters = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(letters, type);
        foreach (byte b in letters)
        {
            if (!char.IsAsciiLetter((char)b))
            {
                return string.Create(CultureInfo.InvariantCulture, $"0x{type:X8}");
            }
        }

        return Encoding.ASCII.GetString(letters);
    }

    /// <summary>A chunk's type and where its data lies in the file.</summary>
    internal readonly record struct Chunk(uint Type, int Start, int Length);

    /// <summary>The first run of consecutive IDAT chunks (the image data; PIL and ImageSharp stop at the first other chunk).</summary>
    private sealed class DataRun
    {
        private bool _closed;

        public int Count { get; private set; }

        public int FirstChunkAt { get; private set; }

        public int FirstLength { get; private set; }

        public int End { get; private set; }

        public long DataBytes { get; private set; }

        public bool NeedsGathering => Count > 1 && (FirstLength < MinFirstDataChunk || Count > ImageStructureLimits.MaxSegments);

        public void Add(Chunk chunk, int end)
        {
            if (_closed)
            {
                return;
            }

            if (Count == 0)
            {
                FirstChunkAt = chunk.Start - 8;
                FirstLength = chunk.Length;
            }

            Count++;
            DataBytes += chunk.Length;
            End = end;
        }

        public void Close() => _closed |= Count > 0;
    }
}
