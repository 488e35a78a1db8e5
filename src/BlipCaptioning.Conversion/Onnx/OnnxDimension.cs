using System.Globalization;

namespace BlipCaptioning.Conversion.Onnx;

/// <summary>One dimension of a graph input or output: a fixed size or a symbolic name such as "batch".</summary>
internal readonly record struct OnnxDimension
{
    private OnnxDimension(long? size, string? symbol)
    {
        Size = size;
        Symbol = symbol;
    }

    public long? Size { get; }
    public string? Symbol { get; }

    public static OnnxDimension Fixed(long size) =>
        size >= 0 ? new(size, null) : throw new ArgumentOutOfRangeException(nameof(size), size, "A dimension cannot be negative.");

    public static OnnxDimension Symbolic(string symbol) =>
        string.IsNullOrWhiteSpace(symbol) ? throw new ArgumentException("A symbolic dimension needs a name.", nameof(symbol)) : new(null, symbol);

    public static implicit operator OnnxDimension(long size) => Fixed(size);
    public static implicit operator OnnxDimension(string symbol) => Symbolic(symbol);

    /// <summary>The manifest form: the number in invariant digits, or the symbol.</summary>
    public override string ToString() => Symbol ?? Size!.Value.ToString(CultureInfo.InvariantCulture);
}
