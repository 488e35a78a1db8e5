namespace BlipCaptioning.Conversion.CheckpointWriting;

/// <summary>
/// A fast deterministic source of normal noise: SplitMix64 for uniforms, Box–Muller for normals. Each tensor gets
/// its own stream from the seed and its name, so values do not depend on the order tensors are written in.
/// </summary>
internal sealed class SeededNormal
{
    private const double TwoPi = 2 * Math.PI;
    private const double UnitScale = 1.0 / (1UL << 53);

    private ulong _state;

    public SeededNormal(ulong seed, string stream)
    {
        var hash = 14695981039346656037UL;
        foreach (var character in stream)
        {
            hash = (hash ^ character) * 1099511628211UL;
        }

        _state = seed ^ hash;
        Next();
    }

    public void Fill(Span<float> destination, double mean, double deviation)
    {
        for (var index = 0; index < destination.Length; index += 2)
        {
            var radius = Math.Sqrt(-2.0 * Math.Log(((Next() >> 11) + 1) * UnitScale));
            var (sin, cos) = Math.SinCos(TwoPi * ((Next() >> 11) * UnitScale));
            destination[index] = (float)(mean + (deviation * radius * cos));
            if (index + 1 < destination.Length)
            {
                destination[index + 1] = (float)(mean + (deviation * radius * sin));
            }
        }
    }

    private ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
