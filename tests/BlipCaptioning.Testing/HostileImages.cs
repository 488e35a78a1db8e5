using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace BlipCaptioning.Testing;

/// <summary>
/// Builds the hostile and unusual images of issue 14 byte by byte, so every test project (library, Functions app,
/// CLI) and the fuzzer's seed corpus use the same reproductions. The fuzzer links this file (it carries no test framework).
/// </summary>
public static class HostileImages
{
    private static readonly Lazy<byte[]> TwoGigabyteTextChunk = new(() => TextChunkInflatingTo("Comment", 2L * 1024 * 1024 * 1024));

    /// <summary>The first IHDR..IEND of a PNG, the chunks of a file as (type, data).</summary>
    public static IEnumerable<(string Type, byte[] Data)> PngChunks(byte[] png)
    {
        int i = 8;
        while (i + 12 <= png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(i));
            yield return (Encoding.ASCII.GetString(png, i + 4, 4), png.AsSpan(i + 8, length).ToArray());
            i += 12 + length;
        }
    }

    /// <summary>A PNG made of the given chunks (type, data), with correct lengths and CRCs.</summary>
    public static byte[] Png(IEnumerable<(string Type, byte[] Data)> chunks)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        foreach ((string type, byte[] data) in chunks)
        {
            WritePngChunk(png, type, data);
        }

        return png.ToArray();
    }

    /// <summary>Writes one PNG chunk: length, type, data, CRC-32 of type and data.</summary>
    public static void WritePngChunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var crc = new Crc32();
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        crc.Append(typeBytes);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        png.Write(word);
    }

    /// <summary>A black 8-bit gray PNG one pixel wide and <paramref name="height"/> tall (a few kilobytes).</summary>
    public static byte[] TallPng(int height)
    {
        byte[] header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, 1);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth, gray
        using var data = new MemoryStream();
        using (var zlib = new ZLibStream(data, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(new byte[2 * height]); // each row: filter type 0, one pixel 0
        }

        return Png([("IHDR", header), ("IDAT", data.ToArray()), ("IEND", [])]);
    }

    /// <summary>The PNG with an extra chunk right after IHDR.</summary>
    public static byte[] PngWithChunkAfterHeader(byte[] png, string type, byte[] data)
    {
        var chunks = PngChunks(png).ToList();
        chunks.Insert(1, (type, data));
        return Png(chunks);
    }

    /// <summary>The same PNG with its image data cut into IDAT chunks of <paramref name="size"/> bytes (PIL reads it).</summary>
    public static byte[] PngWithSplitImageData(byte[] png, int size)
    {
        var chunks = PngChunks(png).ToList();
        byte[] data = chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
        int first = chunks.FindIndex(c => c.Type == "IDAT");
        chunks.RemoveAll(c => c.Type == "IDAT");
        chunks.InsertRange(first, data.Chunk(size).Select(part => ("IDAT", part)));
        return Png(chunks);
    }

    /// <summary>A zTXt chunk body (keyword, method 0, zlib data) that inflates to <paramref name="inflatedBytes"/> zeros.</summary>
    public static byte[] TextChunkInflatingTo(string keyword, long inflatedBytes)
    {
        using var body = new MemoryStream();
        body.Write(Encoding.Latin1.GetBytes(keyword));
        body.Write([0, 0]);
        byte[] zeros = new byte[1 << 20];
        using (var zlib = new ZLibStream(body, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (long written = 0; written < inflatedBytes; written += zeros.Length)
            {
                zlib.Write(zeros, 0, (int)Math.Min(zeros.Length, inflatedBytes - written));
            }
        }

        return body.ToArray();
    }

    /// <summary>Issue 14's PNG text-chunk bomb: a valid PNG whose zTXt chunk (about 2 MB) inflates to 2 GiB.</summary>
    public static byte[] PngWithTextBomb(byte[] png) => PngWithChunkAfterHeader(png, "zTXt", TwoGigabyteTextChunk.Value);

    /// <summary>
    /// EXIF data (a little-endian TIFF header and IFD0 with one entry): the Orientation tag (0x0112) of the given
    /// type and count, its value in the entry's value field.
    /// </summary>
    public static byte[] ExifOrientation(uint value, uint count = 1, ushort type = 3)
    {
        byte[] tiff = new byte[8 + 2 + 12 + 4];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(10), 0x0112);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(12), type);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(14), count);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(18), value);
        return tiff;
    }

    /// <summary>The JPEG with <paramref name="count"/> copies of a segment inserted after SOI.</summary>
    public static byte[] JpegWithSegments(byte[] jpeg, byte marker, byte[] payload, int count)
    {
        using var output = new MemoryStream();
        output.Write(jpeg, 0, 2);
        byte[] segment = [0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2), .. payload];
        for (int i = 0; i < count; i++)
        {
            output.Write(segment);
        }

        output.Write(jpeg, 2, jpeg.Length - 2);
        return output.ToArray();
    }

    /// <summary>The JPEG with an APP1 "Exif" segment holding <paramref name="tiff"/> inserted after SOI.</summary>
    public static byte[] JpegWithExif(byte[] jpeg, byte[] tiff) => JpegWithSegments(jpeg, 0xE1, [.. "Exif\0\0"u8, .. tiff], 1);

    /// <summary>Issue 14's metadata segments: 700 APP segments of 64 KB (APP1 Exif, APP1 XMP or APP2 ICC).</summary>
    public static byte[] JpegWithManyMetadataSegments(byte[] jpeg, byte marker, string signature)
    {
        byte[] payload = new byte[65533];
        Encoding.ASCII.GetBytes(signature).CopyTo(payload, 0);
        return JpegWithSegments(jpeg, marker, payload, 700);
    }

    /// <summary>The JPEG without its first segment of the given marker (issue 14: SOF0 removed).</summary>
    public static byte[] JpegWithoutSegment(byte[] jpeg, byte marker)
    {
        int i = 2;
        while (i + 4 <= jpeg.Length && jpeg[i] == 0xFF)
        {
            int length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (jpeg[i + 1] == marker)
            {
                return [.. jpeg.AsSpan(0, i), .. jpeg.AsSpan(i + 2 + length)];
            }

            i += 2 + length;
        }

        throw new ArgumentException($"The JPEG has no FF{marker:X2} segment before its first scan.", nameof(jpeg));
    }

    /// <summary>
    /// A gray progressive JPEG of flat 8x8 blocks: a DC scan and an AC scan (Ss 1..63) that ends every block at once
    /// with EOB runs, then <paramref name="extraScans"/> more such AC scans of a few dozen bytes each. Issue 14's scan
    /// bomb is 6000 x 6000 with 20,000 or 600,000 extra scans: each costs the decoder a pass over all 562,500 blocks.
    /// </summary>
    public static byte[] ProgressiveJpeg(int width, int height, int extraScans)
    {
        using var jpeg = new MemoryStream();
        jpeg.Write([0xFF, 0xD8]);
        WriteSegment(jpeg, 0xDB, [0x00, .. Enumerable.Repeat((byte)1, 64)]); // DQT: table 0, all ones
        WriteSegment(jpeg, 0xC2, [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0]); // SOF2, one component
        WriteSegment(jpeg, 0xC4, [0x00, 1, .. new byte[15], 0x00]); // DC table 0: one code "0" for category 0
        WriteSegment(jpeg, 0xC4, [0x11, 1, .. new byte[15], 0xE0]); // AC table 1: one code "0" for EOB14
        int blocks = ((width + 7) / 8) * ((height + 7) / 8);

        WriteSegment(jpeg, 0xDA, [1, 1, 0x00, 0, 0, 0x00]); // DC first scan
        var dc = new BitWriter(jpeg);
        for (int b = 0; b < blocks; b++)
        {
            dc.Write(0, 1); // DC difference of category 0
        }

        dc.Flush();
        for (int scan = 0; scan <= extraScans; scan++)
        {
            WriteSegment(jpeg, 0xDA, [1, 1, 0x01, 1, 63, 0x00]); // AC first scan, table 1
            var ac = new BitWriter(jpeg);
            for (int left = blocks; left > 0; left -= 32767)
            {
                ac.Write(0, 1);                                              // EOB14
                ac.Write(Math.Clamp(left, 16384, 32767) - 16384, 14);        // run = 2^14 + these bits
            }

            ac.Flush();
        }

        jpeg.Write([0xFF, 0xD9]);
        return jpeg.ToArray();
    }

    /// <summary>An uncompressed BMP (BITMAPINFOHEADER) whose header says the given size and bit depth, rows filled in.</summary>
    public static byte[] Bmp(int width, int height, int bitsPerPixel)
    {
        long stride = (((long)width * bitsPerPixel) + 31) / 32 * 4;
        byte[] bmp = new byte[54 + (stride * height)];
        bmp[0] = (byte)'B';
        bmp[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), (short)bitsPerPixel);
        for (int i = 54; i < bmp.Length; i++)
        {
            bmp[i] = (byte)(i * 7);
        }

        return bmp;
    }

    /// <summary>
    /// Found by the fuzzer: a 1-bit BMP whose pixel data offset says 2 GB. ImageSharp 2.1 sizes the palette from the
    /// offset and allocated a 2 GB array for this 56-byte file.
    /// </summary>
    public static byte[] BmpWithPixelOffsetPast2GB()
    {
        byte[] bmp = Bmp(12, 9, 1)[..56];
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 0x7FFF0011);
        return bmp;
    }

    /// <summary>
    /// Found by the fuzzer: a 54-byte lossless WebP whose entropy image may name prefix-code group 16,290.
    /// ImageSharp 2.1 allocates a Huffman table for every group up to the largest: 385 MB for this file.
    /// </summary>
    public static byte[] WebpWithManyPrefixCodeGroups() => Convert.FromHexString(
        "524946462e000000574542505650384c220000002f1f000010a58ce87f6c22a2ff612093b6b890fd97da6b02c650b461ec27e05dff00");

    /// <summary>
    /// Found by the fuzzer: a JPEG-compressed TIFF whose only strip is the file itself. ImageSharp 2.1 decodes a JPEG
    /// strip with Image.Load and every format, so it decodes this TIFF again, and again, until the stack overflows.
    /// </summary>
    public static byte[] TiffWhoseJpegStripIsItself() => Tiff(
        (256, 3, 8), (257, 3, 8), (258, 3, 8), (259, 3, 7), (262, 3, 1), // 8 x 8, 8-bit gray, JPEG compression
        (273, 4, 0), (277, 3, 1), (278, 3, 8), (279, 4, uint.MaxValue)); // one strip at offset 0: the whole file

    /// <summary>
    /// Found by the fuzzer: a 12 x 9 bilevel TIFF whose one CCITT strip is said to hold 51 MB at an offset past the end.
    /// ImageSharp 2.1 sizes its work by the byte count: 4-9 s of CPU in one step that no cancellation reaches.
    /// </summary>
    public static byte[] TiffWithAStripPastTheFile() => Tiff(
        (256, 3, 12), (257, 3, 9), (258, 3, 1), (259, 3, 2), (262, 3, 0), // 12 x 9, 1 bit, CCITT modified Huffman
        (273, 4, 335_544_328), (277, 3, 1), (278, 3, 9), (279, 4, 51_380_548));

    /// <summary>
    /// Found by the fuzzer: a BigTIFF whose first directory claims 2^60 entries. ImageSharp 2.1 reads them in a loop
    /// that does not stop at the end of the file: it never returns.
    /// </summary>
    public static byte[] BigTiffWithEndlessDirectory()
    {
        byte[] tiff = new byte[64];
        "II+\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(4), 8);  // offsets are 8 bytes
        BinaryPrimitives.WriteUInt64LittleEndian(tiff.AsSpan(8), 16); // first directory
        BinaryPrimitives.WriteUInt64LittleEndian(tiff.AsSpan(16), 1UL << 60);
        return tiff;
    }

    /// <summary>A little-endian TIFF with IFD0 holding one-value entries (tag, type, value); uint.MaxValue means the file's length.</summary>
    private static byte[] Tiff(params (ushort Tag, ushort Type, uint Value)[] entries)
    {
        byte[] tiff = new byte[8 + 2 + (entries.Length * 12) + 4];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), (ushort)entries.Length);
        for (int e = 0; e < entries.Length; e++)
        {
            Span<byte> entry = tiff.AsSpan(10 + (e * 12), 12);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, entries[e].Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], entries[e].Type);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], 1);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], entries[e].Value == uint.MaxValue ? (uint)tiff.Length : entries[e].Value);
        }

        return tiff;
    }

    private static void WriteSegment(Stream jpeg, byte marker, byte[] payload)
    {
        jpeg.Write([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
        jpeg.Write(payload);
    }

    /// <summary>Entropy-coded bits, most significant first, with 0xFF bytes stuffed and the last byte padded with ones.</summary>
    private sealed class BitWriter(Stream output)
    {
        private int _bits;
        private int _count;

        public void Write(int value, int count)
        {
            for (int bit = count - 1; bit >= 0; bit--)
            {
                _bits = (_bits << 1) | ((value >> bit) & 1);
                if (++_count == 8)
                {
                    Emit();
                }
            }
        }

        public void Flush()
        {
            while (_count != 0)
            {
                Write(1, 1);
            }
        }

        private void Emit()
        {
            output.WriteByte((byte)_bits);
            if (_bits == 0xFF)
            {
                output.WriteByte(0);
            }

            _bits = 0;
            _count = 0;
        }
    }
}
