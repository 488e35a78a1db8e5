using System.Security.Cryptography;
using System.Text.Json;
using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Tests.Building;
using BlipCaptioning.Inference;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>
/// tests/fixtures/transformers-tiny-a built once into a model folder, with its three graphs open in ONNX Runtime,
/// and the reference pixel values rebuilt from PIL's resize.
/// </summary>
public sealed class TinyAFixture : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public TinyAFixture()
    {
        Root = Path.Combine(FindFixtures(), "transformers-tiny-a");
        var checkpointDirectory = Path.Combine(Root, "checkpoint");
        Checkpoint = CheckpointLoader.Load(checkpointDirectory);
        ModelDirectory = _temp.Combine("tiny-a");
        Manifest = BlipModelBuilder.Build(Checkpoint, ModelDirectory, ModelPrecision.Fp32, checkpointDirectory);
        Vision = new GraphSession(Path.Combine(ModelDirectory, BlipModelContract.VisionEncoderFileName));
        CrossAttention = new GraphSession(Path.Combine(ModelDirectory, BlipModelContract.CrossAttentionFileName));
        Decoder = new GraphSession(Path.Combine(ModelDirectory, BlipModelContract.TextDecoderFileName));
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "reference", "index.json")));
        PixelSha256 = index.RootElement.GetProperty("pixel_stats").EnumerateObject()
            .ToDictionary(image => Path.GetFileNameWithoutExtension(image.Name), image => image.Value.GetProperty("sha256_of_float32_le_bytes").GetString()!);
    }

    public static TheoryData<string> Images => new("astronaut", "chelsea", "coffee", "rocket");

    public string Root { get; }

    public BlipCheckpoint Checkpoint { get; }

    public string ModelDirectory { get; }

    public BlipModelManifest Manifest { get; }

    internal GraphSession Vision { get; }

    internal GraphSession CrossAttention { get; }

    internal GraphSession Decoder { get; }

    /// <summary>SHA-256 of each image's reference float32 pixel tensor, from reference/index.json.</summary>
    public IReadOnlyDictionary<string, string> PixelSha256 { get; }

    internal HostTensor Reference(string file) => NpyReader.ReadFloats(Path.Combine(Root, "reference", file));

    internal long[] ReferenceIds(string file) => NpyReader.ReadInt64s(Path.Combine(Root, "reference", file)).AsInt64s();

    /// <summary>
    /// The reference pixel_values [1, 3, S, S]: PIL's resized uint8 HWC image × float32(1/255), then (x − mean) / std,
    /// all in float32, channels first — exactly as transformers' BlipImageProcessor computes them.
    /// </summary>
    internal HostTensor PixelValues(string image)
    {
        var (bytes, shape) = NpyReader.ReadBytes(Path.Combine(Root, "pil-resized", image + ".resized.npy"));
        int height = (int)shape[0], width = (int)shape[1];
        var preprocessing = Manifest.Preprocessing;
        var scale = (float)(1.0 / 255.0);
        var pixels = new float[3 * height * width];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var value = bytes[(((y * width) + x) * 3) + c] * scale;
                    pixels[(c * height * width) + (y * width) + x] = (value - preprocessing.Mean[c]) / preprocessing.Std[c];
                }
            }
        }

        return HostTensor.Floats(pixels, 1, 3, height, width);
    }

    public static string Sha256OfFloats(float[] values) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));

    public void Dispose()
    {
        Vision.Dispose();
        CrossAttention.Dispose();
        Decoder.Dispose();
        _temp.Dispose();
    }

    private static string FindFixtures()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "fixtures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures was not found above the test assembly.");
    }
}
