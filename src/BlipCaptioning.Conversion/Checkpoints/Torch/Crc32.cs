namespace BlipCaptioning.Conversion.Checkpoints.Torch;

/// <summary>The zip format's CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), slicing by 8 bytes.</summary>
internal sealed class Crc32
{
    private static readonly uint[][] Tables = BuildTables();

    private uint _state = 0xFFFFFFFFu;

    public uint Value => ~_state;

    public void Append(ReadOnlySpan<byte> data)
    {
        var crc = _state;
        var t0 = Tables[0];
        var t1 = Tables[1];
        var t2 = Tables[2];
        var t3 = Tables[3];
        var t4 = Tables[4];
        var t5 = Tables[5];
        var t6 = Tables[6];
        var t7 = Tables[7];
        while (data.Length >= 8)
        {
            var low = crc ^ (uint)(data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24));
            var high = (uint)(data[4] | (data[5] << 8) | (data[6] << 16) | (data[7] << 24));
            crc = t7[low & 0xFF] ^ t6[(low >> 8) & 0xFF] ^ t5[(low >> 16) & 0xFF] ^ t4[low >> 24]
                ^ t3[high & 0xFF] ^ t2[(high >> 8) & 0xFF] ^ t1[(high >> 16) & 0xFF] ^ t0[high >> 24];
            data = data[8..];
        }

        foreach (var value in data)
        {
            crc = t0[(crc ^ value) & 0xFF] ^ (crc >> 8);
        }

        _state = crc;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = new Crc32();
        crc.Append(data);
        return crc.Value;
    }

    private static uint[][] BuildTables()
    {
        var tables = new uint[8][];
        tables[0] = new uint[256];
        for (var index = 0u; index < 256; index++)
        {
            var value = index;
            for (var bit = 0; bit < 8; bit++)
            {
                value = (value & 1) != 0 ? 0xEDB88320u ^ (value >> 1) : value >> 1;
            }

            tables[0][index] = value;
        }

        for (var table = 1; table < 8; table++)
        {
            tables[table] = new uint[256];
            for (var index = 0; index < 256; index++)
            {
                var previous = tables[table - 1][index];
                tables[table][index] = (previous >> 8) ^ tables[0][previous & 0xFF];
            }
        }

        return tables;
    }
}
