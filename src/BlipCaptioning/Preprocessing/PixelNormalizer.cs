namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Turns resized RGB24 bytes into the model's float32 CHW input: <c>x * float32(1/255)</c>, then
/// <c>(x - mean) / std</c>, every step in float32, which reproduces transformers' pixel tensor bit for bit. The 256
/// possible results per channel are computed once into a table.
/// </summary>
internal sealed class PixelNormalizer
{
    private readonly float[] _table = new float[3 * 256];

    public PixelNormalizer(IReadOnlyList<float> mean, IReadOnlyList<float> std, double rescaleFactor)
    {
        float scale = (float)rescaleFactor;
        for (int c = 0; c < 3; c++)
        {
            for (int v = 0; v < 256; v++)
            {
                float rescaled = v * scale;
                _table[(c * 256) + v] = (rescaled - mean[c]) / std[c];
            }
        }
    }

    /// <summary>The normalised value of byte <paramref name="value"/> in channel <paramref name="channel"/> (0 = R).</summary>
    public float this[int channel, byte value] => _table[(channel * 256) + value];

    /// <summary>Writes <paramref name="rgb"/> (HWC, <paramref name="pixelCount"/> pixels) as CHW floats.</summary>
    public void Write(ReadOnlySpan<byte> rgb, int pixelCount, Span<float> destination)
    {
        Span<float> r = destination[..pixelCount];
        Span<float> g = destination.Slice(pixelCount, pixelCount);
        Span<float> b = destination.Slice(2 * pixelCount, pixelCount);
        ReadOnlySpan<float> tr = _table.AsSpan(0, 256);
        ReadOnlySpan<float> tg = _table.AsSpan(256, 256);
        ReadOnlySpan<float> tb = _table.AsSpan(512, 256);
        rgb = rgb[..(pixelCount * 3)];
        for (int i = 0, p = 0; i < pixelCount; i++, p += 3)
        {
            r[i] = tr[rgb[p]];
            g[i] = tg[rgb[p + 1]];
            b[i] = tb[rgb[p + 2]];
        }
    }
}
