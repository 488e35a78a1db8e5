using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Inference;

/// <summary>
/// The cross-attention keys and values of every decoder layer for a batch of images, computed once per image by
/// the text_cross_kv graph: <c>cross.{i}.key</c> and <c>cross.{i}.value</c>, each float32 [images, heads, tokens, head_dim].
/// Owned by one generation call; decoder runs borrow it (every row of an image reads the same copy).
/// </summary>
public sealed class CrossAttentionCache : IDisposable
{
    private readonly OrtValue[] _values;
    private bool _disposed;

    internal CrossAttentionCache(OrtValue[] keysAndValues, int images)
    {
        _values = keysAndValues;
        Images = images;
    }

    /// <summary>How many images the cache holds.</summary>
    public int Images { get; }

    /// <summary>Decoder layers covered (the values are key, value per layer).</summary>
    public int Layers => _values.Length / 2;

    /// <summary>The key of <paramref name="layer"/>.</summary>
    public OrtValue Key(int layer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _values[2 * layer];
    }

    /// <summary>The value of <paramref name="layer"/>.</summary>
    public OrtValue Value(int layer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _values[(2 * layer) + 1];
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var value in _values)
        {
            value.Dispose();
        }
    }
}
