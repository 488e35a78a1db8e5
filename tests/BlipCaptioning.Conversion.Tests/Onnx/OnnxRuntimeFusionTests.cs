using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Onnx.Protos;
using BlipCaptioning.Conversion.Tests.Building;
using BlipCaptioning.Model;
using BlipCaptioning.Testing;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>The graphs are written in the forms ONNX Runtime's optimizer recognises (GELU, LayerNormalization).</summary>
public sealed class OnnxRuntimeFusionTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(BlipModelContract.VisionEncoderFileName)]
    [InlineData(BlipModelContract.TextDecoderFileName)]
    public void Graph_OptimizedByOnnxRuntime_GeluIsFusedAndLayerNormalizationKept(string file)
    {
        var model = _temp.Combine("model");
        BlipModelBuilder.Build(SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture()), model);
        var optimizedPath = _temp.Combine("optimized.onnx");

        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = optimizedPath })
        using (new InferenceSession(Path.Combine(model, file), options))
        {
        }

        var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimizedPath));
        var opTypes = optimized.Graph.Node.GroupBy(node => node.OpType).ToDictionary(group => group.Key, group => group.Count());
        output.WriteLine($"{file} after ORT_ENABLE_EXTENDED: " + string.Join(", ", opTypes.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key} x{pair.Value}")));
        Assert.False(opTypes.ContainsKey("Erf"), "an erf GELU was left unfused");
        Assert.True(opTypes.ContainsKey("Gelu") || opTypes.ContainsKey("BiasGelu"), "no fused Gelu node");
        Assert.True(opTypes.ContainsKey("LayerNormalization") || opTypes.ContainsKey("SkipLayerNormalization") || opTypes.ContainsKey("SkipSimplifiedLayerNormalization"));
    }
}
