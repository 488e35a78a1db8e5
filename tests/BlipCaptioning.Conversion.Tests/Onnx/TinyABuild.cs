using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Model;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>
/// Our fp32 model built from tiny-a with exactly one weights file in the checkpoint folder (model.safetensors or
/// pytorch_model.bin), so that nothing else can have been read, and its three graphs open in ONNX Runtime.
/// </summary>
public sealed class TinyABuild : IDisposable
{
    private TinyABuild(string weightsFile, string checkpointDirectory, string modelDirectory)
    {
        WeightsFile = weightsFile;
        CheckpointDirectory = checkpointDirectory;
        Checkpoint = CheckpointLoader.Load(checkpointDirectory);
        ModelDirectory = modelDirectory;
        Manifest = BlipModelBuilder.Build(Checkpoint, modelDirectory);
        Vision = new GraphSession(Path.Combine(modelDirectory, BlipModelContract.VisionEncoderFileName));
        CrossAttention = new GraphSession(Path.Combine(modelDirectory, BlipModelContract.CrossAttentionFileName));
        Decoder = new GraphSession(Path.Combine(modelDirectory, BlipModelContract.TextDecoderFileName));
    }

    /// <summary>The weights file the model was built from: <see cref="HubFileNames.Safetensors"/> or <see cref="HubFileNames.TorchBin"/>.</summary>
    public string WeightsFile { get; }

    /// <summary>A copy of tiny-a's checkpoint folder without the other weights file.</summary>
    public string CheckpointDirectory { get; }

    public BlipCheckpoint Checkpoint { get; }

    public string ModelDirectory { get; }

    public BlipModelManifest Manifest { get; }

    internal GraphSession Vision { get; }

    internal GraphSession CrossAttention { get; }

    internal GraphSession Decoder { get; }

    /// <summary>Copies the tiny-a checkpoint with only <paramref name="weightsFile"/> of its two weights files and builds it.</summary>
    public static TinyABuild Create(string weightsFile, string workDirectory) =>
        new(weightsFile, TinyModels.CopyTinyACheckpoint(Path.Combine(workDirectory, "checkpoint"), weightsFile), Path.Combine(workDirectory, "model"));

    /// <summary>The post-LayerNorm image embeddings [images, 577, 48] for float32 pixel values [images, 3, 384, 384].</summary>
    internal HostTensor ImageEmbeds(HostTensor pixelValues) =>
        Vision.Run(new Dictionary<string, HostTensor> { [BlipModelContract.PixelValues] = pixelValues })[BlipModelContract.ImageEmbeds];

    /// <summary>The cross-attention keys and values of every decoder layer for <paramref name="imageEmbeds"/>.</summary>
    internal Dictionary<string, HostTensor> CrossFor(HostTensor imageEmbeds) =>
        CrossAttention.Run(new Dictionary<string, HostTensor> { [BlipModelContract.ImageEmbeds] = imageEmbeds });

    public void Dispose()
    {
        Vision.Dispose();
        CrossAttention.Dispose();
        Decoder.Dispose();
    }
}
