using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.CheckpointWriting;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Onnx.Protos;
using BlipCaptioning.Inference;
using BlipCaptioning.Model;
using BlipCaptioning.Testing;
using Xunit.Abstractions;

namespace BlipCaptioning.Conversion.Tests.Building;

/// <summary>
/// <see cref="ModelPrecision.Int8"/>: the same model folder contract as fp32 (file names, inputs and outputs), with
/// 8-bit weights in every Linear layer and in the word embeddings, in about a quarter of the bytes.
/// </summary>
public sealed class BlipModelBuilderInt8Tests(ITestOutputHelper output) : IDisposable
{
    private const string WordEmbeddings = "text_decoder.bert.embeddings.word_embeddings.weight";
    private const string OutputProjection = "text_decoder.cls.predictions.decoder.weight";

    private readonly TemporaryFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Build_Int8_ManifestSaysInt8AndEveryGraphHasFp32sInputsAndOutputs()
    {
        var checkpoint = SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture());
        var fp32 = BlipModelBuilder.Build(checkpoint, _temp.Combine("fp32"));

        var int8 = BlipModelBuilder.Build(checkpoint, _temp.Combine("int8"), ModelPrecision.Int8);

        Assert.Equal("fp32", fp32.Precision);
        Assert.Equal("int8", int8.Precision);
        var written = BlipModelManifest.FromJson(File.ReadAllText(Path.Combine(_temp.Combine("int8"), BlipModelContract.ManifestFileName)));
        Assert.Equal("int8", written.Precision);
        foreach (var (role, graph) in fp32.Graphs)
        {
            Assert.Equal(graph.File, int8.Graphs[role].File);
            Assert.Equal(Describe(graph.Inputs), Describe(int8.Graphs[role].Inputs));
            Assert.Equal(Describe(graph.Outputs), Describe(int8.Graphs[role].Outputs));
        }
    }

    [Fact]
    public void Build_Int8_TheRuntimeLoadsTheFolderAndValidatesItsManifestAndSessions()
    {
        var directory = _temp.Combine("int8");
        BlipModelBuilder.Build(SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture(textLayers: 3)), directory, ModelPrecision.Int8);

        using var model = BlipModel.Load(directory);

        Assert.Equal("int8", model.Manifest.Precision);
    }

    [Fact]
    public void Build_Int8_LinearLayersUseOnnxRuntimesInt8OperatorsAndNoFloatMatrixIsLeftInThem()
    {
        var architecture = SyntheticCheckpoint.TinyArchitecture();
        var directory = _temp.Combine("int8");
        BlipModelBuilder.Build(SyntheticCheckpoint.Create(architecture), directory, ModelPrecision.Int8);

        var vision = Load(directory, BlipModelContract.VisionEncoderFileName);
        var cross = Load(directory, BlipModelContract.CrossAttentionFileName);
        var decoder = Load(directory, BlipModelContract.TextDecoderFileName);

        foreach (var graph in new[] { vision, cross, decoder })
        {
            Assert.Contains(graph.OpsetImport, opset => opset.Domain == "" && opset.Version == BlipModelContract.OpsetVersion);
            Assert.Contains(graph.OpsetImport, opset => opset.Domain == "com.microsoft" && opset.Version == 1);
            Assert.DoesNotContain(graph.Graph.Node, node => node.OpType == "MatMul");
        }

        var v = architecture.Vision;
        var t = architecture.Text;
        Assert.Equal(4 * v.Layers, vision.Graph.Node.Count(node => node.OpType == "MatMulIntegerToFloat" && node.Domain == "com.microsoft"));
        Assert.Equal(v.Layers, vision.Graph.Node.Count(node => node.OpType == "MultiHeadAttention"));
        Assert.Equal(2 * t.Layers, cross.Graph.Node.Count(node => node.OpType == "MatMulIntegerToFloat"));
        // Activations are quantized once per tensor: each vision layer has four Linear inputs, and the cross graph's 24
        // key/value projections all read image_embeds.
        Assert.Equal(4 * v.Layers, vision.Graph.Node.Count(node => node.OpType == "QuantizeLinear"));
        Assert.Single(cross.Graph.Node, node => node.OpType == "QuantizeLinear");
        // Per decoder layer: query/key/value as one, the attention output, the cross-attention query and output (its keys
        // and values live in the cross graph) and the two feed-forward layers; then the LM head's transform and projection.
        Assert.Equal((6 * t.Layers) + 2, decoder.Graph.Node.Count(node => node.OpType == "MatMulNBits" && node.Domain == "com.microsoft"));
        Assert.Equal(2 * t.Layers, decoder.Graph.Node.Count(node => node.OpType == "MultiHeadAttention"));

        // Besides the scales of the 8-bit weights, the only float32 matrices left are the patch embedding (a Conv) and
        // the position embeddings.
        string[] floatMatrices = [.. vision.Graph.Initializer.Concat(cross.Graph.Initializer).Concat(decoder.Graph.Initializer)
            .Where(tensor => tensor.DataType == (int)TensorProto.Types.DataType.Float && tensor.Dims.Count(dim => dim > 1) >= 2 && !tensor.Name.EndsWith("_scale", StringComparison.Ordinal))
            .Select(tensor => tensor.Name).Order(StringComparer.Ordinal)];
        Assert.Equal(
            ["text_decoder.bert.embeddings.position_embeddings.weight", "vision_model.embeddings.patch_embedding.weight", "vision_model.embeddings.position_embedding"],
            floatMatrices);
    }

    [Fact]
    public void Build_Fp32_GraphsKeepToStandardOnnxOperators()
    {
        var directory = _temp.Combine("fp32");
        BlipModelBuilder.Build(SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture()), directory);

        foreach (var file in new[] { BlipModelContract.VisionEncoderFileName, BlipModelContract.CrossAttentionFileName, BlipModelContract.TextDecoderFileName })
        {
            var model = Load(directory, file);
            Assert.Equal(string.Empty, model.OpsetImport.Single().Domain);
            Assert.All(model.Graph.Node, node => Assert.Equal(string.Empty, node.Domain));
        }
    }

    [Fact]
    public void Build_Int8WithTiedOutputProjection_OneEightBitTableServesTheEmbeddingsAndTheLmHead()
    {
        var checkpoint = Tied(SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture()));
        var directory = _temp.Combine("int8");

        BlipModelBuilder.Build(checkpoint, directory, ModelPrecision.Int8);

        var decoder = Load(directory, BlipModelContract.TextDecoderFileName).Graph;
        var vocabularyTables = decoder.Initializer.Where(tensor => tensor.Dims.Count > 0 && tensor.Dims[0] == checkpoint.Architecture.Text.VocabSize && tensor.Dims.Count >= 2).ToArray();
        var codes = Assert.Single(vocabularyTables, tensor => tensor.DataType == (int)TensorProto.Types.DataType.Uint8);
        Assert.Equal(2, decoder.Node.Count(node => node.Input.Contains(codes.Name))); // the embedding Gather and the LM head's MatMulNBits
        Assert.Contains(decoder.Node, node => node.OpType == "Gather" && node.Input[0] == codes.Name);
        Assert.Contains(decoder.Node, node => node.OpType == "MatMulNBits" && node.Input[1] == codes.Name);
    }

    [Fact]
    public void Build_Int8WithUntiedOutputProjection_KeepsTwoTables()
    {
        var checkpoint = SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture());
        var directory = _temp.Combine("int8");

        BlipModelBuilder.Build(checkpoint, directory, ModelPrecision.Int8);

        var decoder = Load(directory, BlipModelContract.TextDecoderFileName).Graph;
        Assert.Equal(2, decoder.Initializer.Count(tensor => tensor.DataType == (int)TensorProto.Types.DataType.Uint8
            && tensor.Dims.Count == 3 && tensor.Dims[0] == checkpoint.Architecture.Text.VocabSize));
    }

    [Fact]
    public void Build_Int8WithTheBaseModelsWidths_WritesAtMostAThirdOfFp32sBytes()
    {
        // Salesforce/blip-image-captioning-base's widths, vocabulary, image size and tied LM head, one layer each
        // (the full 12 layers only lower the ratio further: 23.7% for the base preset).
        var architecture = new BlipArchitecture(
            BlipPreset.Base.Architecture.Vision with { Layers = 1 },
            BlipPreset.Base.Architecture.Text with { Layers = 1 },
            BlipPreset.Base.Architecture.Tokens);
        var checkpoint = Tied(SyntheticCheckpoint.Create(architecture));

        BlipModelBuilder.Build(checkpoint, _temp.Combine("fp32"));
        BlipModelBuilder.Build(checkpoint, _temp.Combine("int8"), ModelPrecision.Int8);

        long fp32 = GraphBytes(_temp.Combine("fp32")), int8 = GraphBytes(_temp.Combine("int8"));
        output.WriteLine($"graphs and weights: fp32 {fp32:N0} bytes, int8 {int8:N0} bytes ({(double)int8 / fp32:P1})");
        Assert.True(int8 * 3 <= fp32, $"int8 {int8:N0} bytes is more than a third of fp32's {fp32:N0}");
    }

    [Fact]
    public void Build_BlockSizeNotAPowerOfTwo_IsRefused()
    {
        var plan = QuantizationPlan.Int8 with { BlockSize = 48 };

        Assert.Throws<ArgumentOutOfRangeException>(() =>
            BlipModelBuilder.Build(SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture()), _temp.Combine("model"), plan));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    private static BlipCheckpoint Tied(BlipCheckpoint checkpoint)
    {
        var weights = new Dictionary<string, CheckpointTensor>(checkpoint.Weights, StringComparer.Ordinal)
        {
            [OutputProjection] = checkpoint.Weights[WordEmbeddings] with { Name = OutputProjection },
        };
        return checkpoint with { Weights = weights };
    }

    private static ModelProto Load(string directory, string file) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(directory, file)));

    private static long GraphBytes(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles("*.onnx*").Sum(file => file.Length);

    private static string[] Describe(IEnumerable<TensorSignature> tensors) =>
        [.. tensors.Select(tensor => $"{tensor.Name} {tensor.ElementType} [{string.Join(", ", tensor.Shape)}]")];
}
