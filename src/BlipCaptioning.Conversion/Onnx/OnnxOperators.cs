namespace BlipCaptioning.Conversion.Onnx;

/// <summary>The ONNX operators (opset 17) the BLIP graphs use, as one-line calls on <see cref="OnnxGraphBuilder"/>.</summary>
internal static class OnnxOperators
{
    public static string Add(this OnnxGraphBuilder g, string a, string b, string? output = null) => g.Node("Add", [a, b], output: output);

    public static string Mul(this OnnxGraphBuilder g, string a, string b) => g.Node("Mul", [a, b]);

    public static string Div(this OnnxGraphBuilder g, string a, string b) => g.Node("Div", [a, b]);

    public static string MatMul(this OnnxGraphBuilder g, string a, string b) => g.Node("MatMul", [a, b]);

    public static string Softmax(this OnnxGraphBuilder g, string x) => g.Node("Softmax", [x], [OnnxAttribute.Int("axis", -1)]);

    public static string Transpose(this OnnxGraphBuilder g, string x, params long[] perm) => g.Node("Transpose", [x], [OnnxAttribute.Ints("perm", perm)]);

    /// <summary>Reshape to a constant shape (0 copies the input's dimension, -1 is inferred).</summary>
    public static string Reshape(this OnnxGraphBuilder g, string x, params long[] shape) => g.Node("Reshape", [x, g.Int64s(shape)]);

    /// <summary>Reshape to a shape computed in the graph.</summary>
    public static string ReshapeTo(this OnnxGraphBuilder g, string x, string shape) => g.Node("Reshape", [x, shape]);

    public static string Unsqueeze(this OnnxGraphBuilder g, string x, params long[] axes) => g.Node("Unsqueeze", [x, g.Int64s(axes)]);

    public static string Concat(this OnnxGraphBuilder g, long axis, IReadOnlyList<string> inputs, string? output = null) =>
        g.Node("Concat", inputs, [OnnxAttribute.Int("axis", axis)], output);

    /// <summary>Gather with a scalar index: removes the axis.</summary>
    public static string GatherAt(this OnnxGraphBuilder g, string x, long index, long axis) =>
        g.Node("Gather", [x, g.Int64Scalar(index)], [OnnxAttribute.Int("axis", axis)]);

    public static string Gather(this OnnxGraphBuilder g, string data, string indices) => g.Node("Gather", [data, indices], [OnnxAttribute.Int("axis", 0)]);

    /// <summary>The dimensions [start, end) of x's shape as a 1-D int64 tensor.</summary>
    public static string ShapeOf(this OnnxGraphBuilder g, string x, long start, long end) =>
        g.Node("Shape", [x], [OnnxAttribute.Int("start", start), OnnxAttribute.Int("end", end)]);

    /// <summary>The dimensions of x's shape from <paramref name="start"/> to the end, as a 1-D int64 tensor.</summary>
    public static string ShapeOf(this OnnxGraphBuilder g, string x, long start = 0) =>
        g.Node("Shape", [x], [OnnxAttribute.Int("start", start)]);

    public static string LayerNorm(this OnnxGraphBuilder g, string x, string scale, string bias, double epsilon, string? output = null) =>
        g.Node("LayerNormalization", [x, scale, bias], [OnnxAttribute.Int("axis", -1), OnnxAttribute.Float("epsilon", (float)epsilon)], output);

    /// <summary>
    /// The exact (erf) GELU, 0.5·x·(1 + erf(x / √2)), written in the form ONNX Runtime fuses into one Gelu kernel.
    /// </summary>
    public static string Gelu(this OnnxGraphBuilder g, string x)
    {
        var scaled = g.Div(x, g.FloatScalar(MathF.Sqrt(2f)));
        var erf = g.Node("Erf", [scaled]);
        var onePlus = g.Add(erf, g.FloatScalar(1f));
        var product = g.Mul(x, onePlus);
        return g.Mul(product, g.FloatScalar(0.5f));
    }
}
