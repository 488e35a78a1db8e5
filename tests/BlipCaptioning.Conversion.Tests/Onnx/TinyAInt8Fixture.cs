using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Model;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>
/// tests/fixtures/transformers-tiny-a built once with <see cref="ModelPrecision.Int8"/>, its three graphs open in
/// ONNX Runtime, beside the fp32 build of the same checkpoint (<see cref="Fp32"/>) to compare with.
/// </summary>
public sealed class TinyAInt8Fixture : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public TinyAInt8Fixture()
    {
        Fp32 = new TinyAFixture();
        ModelDirectory = _temp.Combine("tiny-a-int8");
        Manifest = BlipModelBuilder.Build(Fp32.Checkpoint, ModelDirectory, ModelPrecision.Int8);
        Vision = new GraphSession(Path.Combine(ModelDirectory, BlipModelContract.VisionEncoderFileName));
        CrossAttention = new GraphSession(Path.Combine(ModelDirectory, BlipModelContract.CrossAttentionFileName));
        Decoder = new GraphSession(Path.Combine(ModelDirectory, BlipModelContract.TextDecoderFileName));
    }

    /// <summary>The fp32 model folder of the same checkpoint, the reference pixel values and transformers' outputs.</summary>
    public TinyAFixture Fp32 { get; }

    public string ModelDirectory { get; }

    public BlipModelManifest Manifest { get; }

    internal GraphSession Vision { get; }

    internal GraphSession CrossAttention { get; }

    internal GraphSession Decoder { get; }

    public void Dispose()
    {
        Vision.Dispose();
        CrossAttention.Dispose();
        Decoder.Dispose();
        Fp32.Dispose();
        _temp.Dispose();
    }
}
