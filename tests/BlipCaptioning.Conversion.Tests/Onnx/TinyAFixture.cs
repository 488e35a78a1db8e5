using System.Security.Cryptography;
using System.Text.Json;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Numpy;
using BlipCaptioning.Model;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>
/// tests/fixtures/transformers-tiny-a built twice, once per test run (a collection fixture): from a checkpoint folder
/// that holds only model.safetensors and from one that holds only pytorch_model.bin; and the reference pixel values
/// rebuilt from PIL's resize. The members without a build name (<see cref="ModelDirectory"/>, <see cref="Vision"/>, …)
/// are the model.safetensors build.
/// </summary>
public sealed class TinyAFixture : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public TinyAFixture()
    {
        Root = RepositoryPaths.TinyA;
        SafetensorsBuild = TinyABuild.Create(HubFileNames.Safetensors, _temp.Combine("from-safetensors"));
        TorchBinBuild = TinyABuild.Create(HubFileNames.TorchBin, _temp.Combine("from-pytorch-bin"));
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "reference", "index.json")));
        PixelSha256 = index.RootElement.GetProperty("pixel_stats").EnumerateObject()
            .ToDictionary(image => Path.GetFileNameWithoutExtension(image.Name), image => image.Value.GetProperty("sha256_of_float32_le_bytes").GetString()!);
    }

    public static TheoryData<string> Images => new("astronaut", "chelsea", "coffee", "rocket");

    /// <summary>The two weights files of the checkpoint, one build each.</summary>
    public static TheoryData<string> WeightsFiles => new(HubFileNames.Safetensors, HubFileNames.TorchBin);

    /// <summary>Every (weights file, image) pair.</summary>
    public static TheoryData<string, string> BuildsAndImages()
    {
        var data = new TheoryData<string, string>();
        foreach (string weights in new[] { HubFileNames.Safetensors, HubFileNames.TorchBin })
        {
            foreach (string image in new[] { "astronaut", "chelsea", "coffee", "rocket" })
            {
                data.Add(weights, image);
            }
        }

        return data;
    }

    /// <summary>Every (weights file, image, greedy run) triple; the runs are "greedy_uncond" and "greedy_prompt".</summary>
    public static TheoryData<string, string, string> BuildsImagesAndRuns()
    {
        var data = new TheoryData<string, string, string>();
        foreach (string weights in new[] { HubFileNames.Safetensors, HubFileNames.TorchBin })
        {
            foreach (string image in new[] { "astronaut", "chelsea", "coffee", "rocket" })
            {
                data.Add(weights, image, "greedy_uncond");
                data.Add(weights, image, "greedy_prompt");
            }
        }

        return data;
    }

    public string Root { get; }

    /// <summary>The model built from the checkpoint folder with only model.safetensors.</summary>
    public TinyABuild SafetensorsBuild { get; }

    /// <summary>The model built from the checkpoint folder with only pytorch_model.bin.</summary>
    public TinyABuild TorchBinBuild { get; }

    public BlipCheckpoint Checkpoint => SafetensorsBuild.Checkpoint;

    public string ModelDirectory => SafetensorsBuild.ModelDirectory;

    public BlipModelManifest Manifest => SafetensorsBuild.Manifest;

    internal GraphSession Vision => SafetensorsBuild.Vision;

    internal GraphSession CrossAttention => SafetensorsBuild.CrossAttention;

    internal GraphSession Decoder => SafetensorsBuild.Decoder;

    /// <summary>SHA-256 of each image's reference float32 pixel tensor, from reference/index.json.</summary>
    public IReadOnlyDictionary<string, string> PixelSha256 { get; }

    /// <summary>The build made from <paramref name="weightsFile"/> (model.safetensors or pytorch_model.bin).</summary>
    public TinyABuild Build(string weightsFile) => weightsFile switch
    {
        HubFileNames.Safetensors => SafetensorsBuild,
        HubFileNames.TorchBin => TorchBinBuild,
        _ => throw new ArgumentException($"No build from {weightsFile}", nameof(weightsFile)),
    };

    internal HostTensor Reference(string file) => HostTensor.ReadNpy(Path.Combine(Root, "reference", file));

    internal long[] ReferenceIds(string file) => HostTensor.ReadNpy(Path.Combine(Root, "reference", file)).AsInt64s();

    /// <summary>PIL's resize of an image: uint8 [384, 384, 3], HWC, RGB (pil-resized/*.resized.npy).</summary>
    internal byte[] PilResized(string image)
    {
        NpyArray resized = NpyReader.ReadFile(Path.Combine(Root, "pil-resized", image + ".resized.npy"));
        byte[] bytes = resized.AsBytes().ToArray();
        var shape = resized.Shape;
        Assert.Equal([384, 384, 3], shape);
        return bytes;
    }

    /// <summary>The path of an input photo (images/astronaut.png, …, images/rocket.jpg).</summary>
    public string ImagePath(string image) => Directory.EnumerateFiles(Path.Combine(Root, "images"), image + ".*").Single();

    /// <summary>
    /// The reference pixel_values [1, 3, S, S]: PIL's resized uint8 HWC image × float32(1/255), then (x − mean) / std,
    /// all in float32, channels first — exactly as transformers' BlipImageProcessor computes them.
    /// </summary>
    internal HostTensor PixelValues(string image)
    {
        NpyArray resized = NpyReader.ReadFile(Path.Combine(Root, "pil-resized", image + ".resized.npy"));
        byte[] bytes = resized.AsBytes().ToArray();
        var shape = resized.Shape;
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
        SafetensorsBuild.Dispose();
        TorchBinBuild.Dispose();
        _temp.Dispose();
    }
}
