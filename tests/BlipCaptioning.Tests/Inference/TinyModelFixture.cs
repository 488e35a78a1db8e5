using BlipCaptioning.Conversion.Numpy;
using BlipCaptioning.Inference;
using BlipCaptioning.Model;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Tests.Inference;

/// <summary>
/// The transformers-tiny-a checkpoint (tests/fixtures, with transformers' reference ids) built once per test run into
/// a temporary model folder, and one loaded <see cref="BlipModel"/> over it for the tests that drive graphs directly.
/// </summary>
public sealed class TinyModelFixture : IDisposable
{
    private readonly TemporaryFolder _root = new("blip-runtime-tests");

    public TinyModelFixture()
    {
        ModelDirectory = _root.Combine("tiny-a");
        Manifest = TinyModels.BuildTinyA(ModelDirectory);
        Model = BlipModel.Load(ModelDirectory);
        RandomTinyDirectory = _root.Combine("random-tiny");
        TinyModels.BuildRandomTiny(RandomTinyDirectory);
    }

    public static TheoryData<string> Images => new("astronaut", "chelsea", "coffee", "rocket");

    public string Root => _root.Path;

    public string ModelDirectory { get; }

    public BlipModelManifest Manifest { get; }

    public BlipModel Model { get; }

    /// <summary>A model folder made from the random-weight "tiny" preset (seed 42), as `blip model random` makes it.</summary>
    public string RandomTinyDirectory { get; }

    public static string ImagePath(string name) => RepositoryPaths.TinyAPhoto(name);

    public static FileStream OpenImage(string name) => File.OpenRead(ImagePath(name));

    /// <summary>transformers' greedy ids for an image (kind: "greedy_uncond" or "greedy_prompt").</summary>
    public static long[] ReferenceIds(string name, string kind) =>
        NpyReader.ReadFile(Path.Combine(RepositoryPaths.TinyA, "reference", $"{name}.{kind}.ids.npy")).AsInt64s().ToArray();

    public CaptioningOptions Options(int maxConcurrency = 1, string? modelDirectory = null) =>
        new() { ModelDirectory = modelDirectory ?? ModelDirectory, MaxConcurrency = maxConcurrency, IntraOpThreads = 1 };

    /// <summary>A copy of the model folder that a test may damage.</summary>
    public string CopyModel() => TinyModels.Copy(ModelDirectory, Root);

    public void Dispose()
    {
        Model.Dispose();
        _root.Dispose();
    }
}
