using BlipCaptioning.Conversion.Onnx;
using BlipCaptioning.Conversion.Onnx.Protos;
using BlipCaptioning.Model;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Onnx;

public sealed class OnnxModelWriterTests : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Write_LinearWithLargeTransposedWeight_RunsInOnnxRuntimeAsXTimesWTransposedPlusBias()
    {
        const int rows = 300, cols = 3; // torch Linear weight [out = 300, in = 3]: 3600 bytes, stored externally
        var weight = Enumerable.Range(0, rows * cols).Select(i => (float)((i % 7) - 3) / 4).ToArray();
        float[] bias = [.. Enumerable.Range(0, rows).Select(i => i / 100f)];
        var g = new OnnxGraphBuilder("linear");
        var x = g.Input("x", OnnxElementType.Float32, "batch", cols);
        var w = g.Initializer("w", OnnxTensorData.TransposedMatrix(weight, rows, cols));
        var b = g.Initializer("b", OnnxTensorData.Floats(bias, rows));
        g.Add(g.MatMul(x, w), b, "y");
        g.Output("y", OnnxElementType.Float32, "batch", rows);
        var path = _temp.Combine("linear.onnx");

        var dataPath = OnnxModelWriter.Write(g, path);

        float[] input = [1f, -2f, 0.5f, 3f, 0f, -1f];
        using var session = new GraphSession(path);
        var y = session.Run(new Dictionary<string, HostTensor> { ["x"] = HostTensor.Floats(input, 2, cols) })["y"];
        Assert.Equal([2L, rows], y.Shape);
        for (var n = 0; n < 2; n++)
        {
            for (var o = 0; o < rows; o++)
            {
                var expected = bias[o];
                for (var i = 0; i < cols; i++)
                {
                    expected += input[(n * cols) + i] * weight[(o * cols) + i];
                }

                Assert.Equal(expected, y.AsFloats()[(n * rows) + o], 5);
            }
        }

        Assert.Equal(path + ".data", dataPath);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Equal(BlipModelContract.OpsetVersion, model.OpsetImport.Single().Version);
        var external = model.Graph.Initializer.Single(t => t.Name == "w");
        Assert.Equal(TensorProto.Types.DataLocation.External, external.DataLocation);
        Assert.Equal("linear.onnx.data", external.ExternalData.Single(e => e.Key == "location").Value);
        Assert.Equal(0, long.Parse(external.ExternalData.Single(e => e.Key == "offset").Value, System.Globalization.CultureInfo.InvariantCulture) % 4096);
        Assert.Equal([cols, rows], external.Dims);
        Assert.Equal(TensorProto.Types.DataLocation.External, model.Graph.Initializer.Single(t => t.Name == "b").DataLocation);
    }

    [Fact]
    public void Write_OnlySmallInitializers_KeepsThemInsideAndWritesNoDataFile()
    {
        var g = new OnnxGraphBuilder("small");
        var x = g.Input("x", OnnxElementType.Float32, "batch", 2);
        g.Add(x, g.Initializer("b", OnnxTensorData.Floats([1f, 2f], 2)), "y");
        g.Output("y", OnnxElementType.Float32, "batch", 2);
        var path = _temp.Combine("small.onnx");

        Assert.Null(OnnxModelWriter.Write(g, path));

        Assert.False(File.Exists(path + ".data"));
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Equal(8, model.Graph.Initializer.Single().RawData.Length);
    }

    [Fact]
    public void Validate_NodeReadsAnUndefinedValue_ThrowsNamingIt()
    {
        var g = new OnnxGraphBuilder("broken");
        g.Input("x", OnnxElementType.Float32, 2);
        g.Add("x", "nowhere", "y");
        g.Output("y", OnnxElementType.Float32, 2);

        var error = Assert.Throws<InvalidOperationException>(g.Validate);

        Assert.Contains("'nowhere'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DeclaredOutputNeverProduced_ThrowsNamingIt()
    {
        var g = new OnnxGraphBuilder("broken");
        g.Input("x", OnnxElementType.Float32, 2);
        g.Output("y", OnnxElementType.Float32, 2);

        var error = Assert.Throws<InvalidOperationException>(g.Validate);

        Assert.Contains("'y'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_GeneratedNamesNeverCollideWithDeclaredNames()
    {
        var g = new OnnxGraphBuilder("names");
        var x = g.Input("Add", OnnxElementType.Float32, 2);
        var first = g.Add(x, x);
        var second = g.Add(first, x);

        Assert.Equal(3, new[] { x, first, second }.Distinct().Count());
        Assert.Throws<InvalidOperationException>(() => g.Input(second, OnnxElementType.Float32, 2));
    }
}
