using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace BlipCaptioning.Conversion.CheckpointWriting;

/// <summary>
/// Writes a zip file the way PyTorch's PyTorchStreamWriter (miniz) does: every record stored uncompressed under
/// <c>&lt;archive&gt;/</c>, its data aligned to 64 bytes by an "FB" padding extra field, sizes and CRC in a data
/// descriptor after the data (flags 0x0808), no timestamps.
/// </summary>
internal sealed class TorchZipWriter
{
    private const int Alignment = 64;
    private const ushort Flags = 0x0808;

    private readonly Stream _output;
    private readonly string _archiveName;
    private readonly List<(byte[] Name, uint Crc, long Size, long Offset)> _records = [];

    public TorchZipWriter(Stream output, string archiveName)
    {
        _output = output;
        _archiveName = archiveName;
    }

    public void WriteRecord(string name, ReadOnlySpan<byte> data)
    {
        var fullName = Encoding.UTF8.GetBytes($"{_archiveName}/{name}");
        var offset = _output.Position;
        CheckZip32(offset, data.Length, name);
        var dataStart = offset + 30 + fullName.Length + 4;
        var padding = (int)((Alignment - (dataStart % Alignment)) % Alignment);

        Span<byte> header = stackalloc byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 0); // version needed
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], Flags);
        // method 0 (stored), time 0, date 0, crc/sizes 0: they follow the data in a descriptor.
        header[8..26].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(header[26..], (ushort)fullName.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[28..], (ushort)(4 + padding));
        _output.Write(header);
        _output.Write(fullName);
        Span<byte> extra = stackalloc byte[4];
        extra[0] = (byte)'F';
        extra[1] = (byte)'B';
        BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], (ushort)padding);
        _output.Write(extra);
        for (var index = 0; index < padding; index++)
        {
            _output.WriteByte((byte)'Z');
        }

        _output.Write(data);
        var crc = Crc32.HashToUInt32(data);
        Span<byte> descriptor = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor, 0x08074b50);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor[4..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor[8..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor[12..], (uint)data.Length);
        _output.Write(descriptor);
        _records.Add((fullName, crc, data.Length, offset));
    }

    public void Finish()
    {
        var directoryStart = _output.Position;
        Span<byte> entry = stackalloc byte[46];
        foreach (var (name, crc, size, offset) in _records)
        {
            entry.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(entry, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[8..], Flags);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[16..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[20..], (uint)size);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[24..], (uint)size);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[28..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[42..], (uint)offset);
            _output.Write(entry);
            _output.Write(name);
        }

        var directorySize = _output.Position - directoryStart;
        CheckZip32(directoryStart, directorySize, "central directory");
        if (_records.Count > ushort.MaxValue)
        {
            throw new InvalidOperationException($"A checkpoint of {_records.Count} records needs ZIP64, which this writer does not produce.");
        }

        Span<byte> end = stackalloc byte[22];
        end.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)_records.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)_records.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], (uint)directorySize);
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], (uint)directoryStart);
        _output.Write(end);
    }

    private static void CheckZip32(long offset, long size, string what)
    {
        if (offset + size >= uint.MaxValue)
        {
            throw new InvalidOperationException($"'{what}' would end past 4 GiB, which needs ZIP64; this writer only writes checkpoints under 4 GiB.");
        }
    }
}
