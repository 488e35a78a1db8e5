using System.Text.Json;
using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Numpy;
using BlipCaptioning.Conversion.Tests.Onnx;
using BlipCaptioning.Inference;
using BlipCaptioning.Model;
using BlipCaptioning.Search;
using BlipCaptioning.Testing;
using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Conversion.Tests.Reference;

/// <summary>
/// tests/fixtures/transformers-reference: the two checkpoints that transformers 5.17 saved (configs "a" and "b"),
/// each built once into a model folder and loaded, plus index.json (transformers' outputs and how they were made).
/// </summary>
public sealed class TransformersReferenceFixture : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public TransformersReferenceFixture()
    {
        Root = Path.Combine(RepositoryPaths.Fixtures, "transformers-reference");
        Index = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "index.json")));
        var models = new Dictionary<string, ReferenceModel>(StringComparer.Ordinal);
        foreach (var config in Configs)
        {
            var checkpointDirectory = Path.Combine(Root, config, "checkpoint");
            var checkpoint = CheckpointLoader.Load(checkpointDirectory);
            var modelDirectory = _temp.Combine(config);
            var manifest = BlipModelBuilder.Build(checkpoint, modelDirectory);
            models[config] = new ReferenceModel(config, checkpoint, manifest, modelDirectory, Index.RootElement.GetProperty("configs").GetProperty(config));
        }

        Models = models;
    }

    /// <summary>The two configurations: "a" (vision 48 wide, text 32, 384 px) and "b" (vision 40, text 24, 224 px, untied head).</summary>
    public static readonly string[] Configs = ["a", "b"];

    /// <summary>The seven input images, by the names index.json uses.</summary>
    public static readonly string[] Images = ["astronaut", "chelsea", "coffee", "rocket", "camera", "hubble", "rgba"];

    public string Root { get; }

    public JsonDocument Index { get; }

    public IReadOnlyDictionary<string, ReferenceModel> Models { get; }

    /// <summary>The repository root (index.json names the images relative to it).</summary>
    public string RepositoryRoot => Path.GetFullPath(Path.Combine(Root, "..", "..", ".."));

    public string ImagePath(string image) =>
        Path.Combine(RepositoryRoot, Index.RootElement.GetProperty("images").GetProperty(image).GetProperty("path").GetString()!);

    /// <summary>A float32 .npy of transformers' outputs for a configuration (its reference/ folder).</summary>
    internal HostTensor Reference(string config, string file) => HostTensor.ReadNpy(Path.Combine(Root, config, "reference", file));

    public bool IsJpeg(string image) => Index.RootElement.GetProperty("images").GetProperty(image).GetProperty("format").GetString() == "JPEG";

    /// <summary>The slow processor's resized uint8 image [size, size, 3] (PIL convert("RGB") then BICUBIC resize).</summary>
    public byte[] Resized(string image, int size) => NpyReader.ReadFile(Path.Combine(Root, "resized", $"{image}.{size}.npy")).AsBytes().ToArray();

    /// <summary>
    /// transformers' slow (PIL backend) pixel_values [1, 3, S, S] from the resized image, with its arithmetic:
    /// <c>float32(uint8 × (1/255) in float64)</c>, then <c>(x − mean) / std</c> in float32 (image_transforms.rescale
    /// and normalize). index.json's SHA-256 of the processor's own tensor proves the rebuild bit for bit.
    /// </summary>
    public float[] TransformersPixels(string image, ReferenceModel model)
    {
        var size = model.Manifest.Preprocessing.ImageSize;
        var resized = Resized(image, size);
        var mean = model.Manifest.Preprocessing.Mean;
        var std = model.Manifest.Preprocessing.Std;
        var plane = size * size;
        var pixels = new float[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                var rescaled = (float)(resized[(3 * i) + c] * (1.0 / 255.0));
                pixels[(c * plane) + i] = (rescaled - mean[c]) / std[c];
            }
        }

        return pixels;
    }

    public void Dispose()
    {
        foreach (var model in Models.Values)
        {
            model.Dispose();
        }

        Index.Dispose();
        _temp.Dispose();
    }
}

/// <summary>One configuration: its checkpoint, the model folder built from it, the loaded model and graph sessions.</summary>
public sealed class ReferenceModel : IDisposable
{
    internal ReferenceModel(string config, BlipCheckpoint checkpoint, BlipModelManifest manifest, string directory, JsonElement index)
    {
        Config = config;
        Checkpoint = checkpoint;
        Manifest = manifest;
        Directory = directory;
        Index = index;
        Model = BlipModel.Load(directory);
        Vision = new GraphSession(Path.Combine(directory, BlipModelContract.VisionEncoderFileName));
        CrossAttention = new GraphSession(Path.Combine(directory, BlipModelContract.CrossAttentionFileName));
        Decoder = new GraphSession(Path.Combine(directory, BlipModelContract.TextDecoderFileName));
    }

    public string Config { get; }

    public BlipCheckpoint Checkpoint { get; }

    public BlipModelManifest Manifest { get; }

    public string Directory { get; }

    /// <summary>index.json's configs.&lt;config&gt; object.</summary>
    public JsonElement Index { get; }

    public BlipModel Model { get; }

    internal GraphSession Vision { get; }

    internal GraphSession CrossAttention { get; }

    internal GraphSession Decoder { get; }

    /// <summary>
    /// Our generation over our graphs, as the captioner runs it (vision, cross-attention keys/values, the strategy
    /// over the decoder with its cache), for images given as pixel tensors of one [n, 3, S, S] batch.
    /// </summary>
    public IReadOnlyList<GeneratedSequence> Generate(float[] pixels, int images, GenerationSettings settings, long[] decoderStart) =>
        Generate(pixels, images, settings.CreateStrategy(), decoderStart);

    /// <summary>As <see cref="Generate(float[], int, GenerationSettings, long[])"/>, with a given strategy.</summary>
    public IReadOnlyList<GeneratedSequence> Generate(float[] pixels, int images, ISearchStrategy strategy, long[] decoderStart)
    {
        var size = Manifest.Preprocessing.ImageSize;
        using var pixelValues = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, pixels.AsMemory(), [images, 3, size, size]);
        using var embeds = Model.EncodeImages(pixelValues, CancellationToken.None);
        using var cross = Model.ComputeCrossAttention(embeds, CancellationToken.None);
        using var decoder = Model.StartDecoder(cross, strategy.RowsPerImage);
        return strategy.Generate(decoder, decoderStart, CancellationToken.None);
    }

    public void Dispose()
    {
        Vision.Dispose();
        CrossAttention.Dispose();
        Decoder.Dispose();
        Model.Dispose();
    }
}
