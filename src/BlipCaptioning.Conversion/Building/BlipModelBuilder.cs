using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Onnx;
using BlipCaptioning.Errors;
using BlipCaptioning.Files;
using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Building;

/// <summary>
/// Turns a BLIP captioning checkpoint into this project's model folder: the three ONNX graphs of
/// <see cref="BlipModelContract"/> (each with its external weights file), the tokenizer and preprocessor files, and
/// the manifest <c>blip-model.json</c>. models/README.md documents the result.
/// </summary>
/// <remarks>A checkpoint folder is loaded with <see cref="CheckpointLoader.Load"/>, then built here.</remarks>
public static class BlipModelBuilder
{
    /// <summary>
    /// Writes the model folder for <paramref name="checkpoint"/> into <paramref name="outputDirectory"/> (created or
    /// replaced; written atomically) and returns its manifest.
    /// </summary>
    /// <param name="checkpoint">
    /// The weights, architecture, generation defaults and preprocessing; the tokenizer and preprocessor files of the
    /// folder it was loaded from (<see cref="BlipCheckpoint.Directory"/>) are copied into the model folder.
    /// </param>
    /// <param name="outputDirectory">The model folder to write.</param>
    /// <param name="precision">
    /// <see cref="ModelPrecision.Fp32"/> (token-exact with transformers) or <see cref="ModelPrecision.Int8"/> (8-bit
    /// weights and int8 arithmetic in the Linear layers; about a quarter of the size and about twice as fast on CPU,
    /// captions close to but not always equal to fp32's; docs/int8.md says exactly what is quantized).
    /// </param>
    /// <param name="cancellationToken">Stops between graphs and between weights; nothing is left behind.</param>
    /// <exception cref="CheckpointFormatException">The checkpoint would make a model the runtime refuses, or one of its files is unusable.</exception>
    public static BlipModelManifest Build(BlipCheckpoint checkpoint, string outputDirectory, ModelPrecision precision = ModelPrecision.Fp32,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        return Build(checkpoint, outputDirectory, QuantizationPlan.For(precision), cancellationToken);
    }

    /// <summary>Writes the model folder with the Linear layers of each graph in the formats of <paramref name="quantization"/>.</summary>
    internal static BlipModelManifest Build(BlipCheckpoint checkpoint, string outputDirectory, QuantizationPlan quantization,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        ArgumentNullException.ThrowIfNull(quantization);
        if (quantization.BlockSize < 16 || !System.Numerics.BitOperations.IsPow2(quantization.BlockSize))
        {
            // ONNX Runtime's MatMulNBits takes power-of-two blocks of at least 16.
            throw new ArgumentOutOfRangeException(nameof(quantization), quantization.BlockSize, "The block size must be a power of two of at least 16.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var architecture = checkpoint.Architecture;
        CheckLoadable(checkpoint);
        FiniteWeights.Check(checkpoint);

        using var folder = new ModelFolder(outputDirectory);
        var graphs = new Dictionary<string, GraphSignature>(StringComparer.Ordinal);
        (string Role, string File, Func<BlipCheckpoint, QuantizationPlan, OnnxGraphBuilder> Create)[] plan =
        [
            (BlipGraphRoles.VisionEncoder, BlipModelContract.VisionEncoderFileName, VisionEncoderGraph.Create),
            (BlipGraphRoles.TextCrossAttention, BlipModelContract.CrossAttentionFileName, CrossAttentionGraph.Create),
            (BlipGraphRoles.TextDecoder, BlipModelContract.TextDecoderFileName, TextDecoderGraph.Create),
        ];
        foreach (var (role, file, create) in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var graph = create(checkpoint, quantization);
            var dataPath = OnnxModelWriter.Write(graph, folder.PathOf(file), cancellationToken);
            graphs[role] = new GraphSignature(file, ModelFolder.Sha256Of(folder.PathOf(file)),
                [.. graph.Inputs.Select(ToSignature)], [.. graph.Outputs.Select(ToSignature)])
            {
                DataFile = dataPath is null ? null : Path.GetFileName(dataPath),
                DataSha256 = dataPath is null ? null : ModelFolder.Sha256Of(dataPath),
            };
        }

        WriteAssetFiles(folder, checkpoint);

        var manifest = new BlipModelManifest
        {
            Precision = quantization == QuantizationPlan.Float32 ? "fp32" : "int8",
            Source = checkpoint.Source,
            Vision = architecture.Vision,
            Text = architecture.Text,
            Tokens = architecture.Tokens,
            Generation = checkpoint.Generation,
            Preprocessing = checkpoint.Preprocessing,
            Graphs = graphs,
        };
        File.WriteAllText(folder.PathOf(BlipModelContract.ManifestFileName), manifest.ToJson());
        folder.Publish();
        return manifest;
    }

    /// <summary>
    /// Refuses, before anything is written, a checkpoint whose manifest the runtime would refuse at load: sizes beyond
    /// <see cref="ModelLimits"/>, generation defaults it cannot run, preprocessing that disagrees with the encoder.
    /// </summary>
    private static void CheckLoadable(BlipCheckpoint checkpoint)
    {
        var problems = new List<string>();
        ManifestLimits.Check(new BlipModelManifest
        {
            Source = checkpoint.Source,
            Vision = checkpoint.Architecture.Vision,
            Text = checkpoint.Architecture.Text,
            Tokens = checkpoint.Architecture.Tokens,
            Generation = checkpoint.Generation,
            Preprocessing = checkpoint.Preprocessing,
            Graphs = new Dictionary<string, GraphSignature>(),
        }, problems);
        if (problems.Count > 0)
        {
            throw new CheckpointFormatException(
                $"The checkpoint '{checkpoint.Source}' would make a model this runtime cannot load: {string.Join("; ", problems)}.");
        }
    }

    private static TensorSignature ToSignature(OnnxValueInfo value) => new(
        value.Name,
        value.ElementType switch
        {
            OnnxElementType.Float32 => "float32",
            OnnxElementType.Int64 => "int64",
            _ => throw new InvalidOperationException($"No manifest name for element type {value.ElementType}."),
        },
        [.. value.Shape.Select(dimension => dimension.ToString())]);

    /// <summary>
    /// The checkpoint folder's vocab.txt, tokenizer_config.json, special_tokens_map.json and preprocessor_config.json,
    /// copied as they are; a file it lacks (every file, for a checkpoint made in memory) is the hub's
    /// (<see cref="DefaultHubFiles"/>), with preprocessor_config.json saying the checkpoint's preprocessing.
    /// </summary>
    private static void WriteAssetFiles(ModelFolder folder, BlipCheckpoint checkpoint)
    {
        CopyOrWrite(folder, checkpoint.Directory, HubFileNames.Vocabulary, DefaultHubFiles.WriteVocabulary);
        CopyOrWrite(folder, checkpoint.Directory, HubFileNames.TokenizerConfig, destination => File.WriteAllText(destination, DefaultHubFiles.TokenizerConfig));
        CopyOrWrite(folder, checkpoint.Directory, HubFileNames.SpecialTokensMap, destination => File.WriteAllText(destination, DefaultHubFiles.SpecialTokensMap));
        CopyOrWrite(folder, checkpoint.Directory, HubFileNames.PreprocessorConfig,
            destination => File.WriteAllText(destination, DefaultHubFiles.PreprocessorConfig(checkpoint.Preprocessing)));
    }

    private static void CopyOrWrite(ModelFolder folder, string? sourceDirectory, string fileName, Action<string> writeDefault)
    {
        var destination = folder.PathOf(fileName);
        var source = sourceDirectory is null ? null : Path.Combine(sourceDirectory, fileName);
        if (source is not null && File.Exists(source))
        {
            // The checkpoint's own files, copied as they are, but only regular files within their budgets.
            var limit = fileName == HubFileNames.Vocabulary ? ModelLimits.MaxVocabularyBytes : ModelLimits.MaxJsonFileBytes;
            BoundedFile.Copy(source, destination, limit, message => new CheckpointFormatException(message));
        }
        else
        {
            writeDefault(destination);
        }
    }
}
