using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.CheckpointWriting;
using BlipCaptioning.Conversion.Numpy;
using BlipCaptioning.Inference;
using BlipCaptioning.Model;
using BlipCaptioning.Tests.Preprocessing;

namespace BlipCaptioning.Tests.Inference;

/// <summary>
/// The transformers-tiny-a checkpoint (tests/fixtures, with transformers' reference ids) built once per test run into
/// a temporary model folder, and one loaded <see cref="BlipModel"/> over it for the tests that drive graphs directly.
/// </summary>
public sealed class TinyModelFixture : IDisposable
{
    public TinyModelFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "blip-runtime-tests-" + Guid.NewGuid().ToString("N"));
        ModelDirectory = Path.Combine(Root, "tiny-a");
        string checkpointDirectory = Path.Combine(Fixtures.TinyA, "checkpoint");
        var checkpoint = CheckpointLoader.Load(checkpointDirectory) with { Source = "tests/fixtures/transformers-tiny-a" };
        Manifest = BlipModelBuilder.Build(checkpoint, ModelDirectory);
        Model = BlipModel.Load(ModelDirectory);

        // What `blip model random --preset tiny --seed 42` makes: the checkpoint beside the model folder.
        RandomTinyDirectory = Path.Combine(Root, "random-tiny");
        string randomCheckpoint = Path.Combine(RandomTinyDirectory, "checkpoint");
        RandomCheckpointWriter.Write(randomCheckpoint, BlipPreset.Tiny, 42, CheckpointFormats.Safetensors);
        BlipModelBuilder.Build(CheckpointLoader.Load(randomCheckpoint), RandomTinyDirectory);
    }

    public static TheoryData<string> Images => new("astronaut", "chelsea", "coffee", "rocket");

    public string Root { get; }

    public string ModelDirectory { get; }

    public BlipModelManifest Manifest { get; }

    public BlipModel Model { get; }

    /// <summary>A model folder made from the random-weight "tiny" preset (seed 42), as `blip model random` makes it.</summary>
    public string RandomTinyDirectory { get; }

    public static string ImagePath(string name) =>
        Directory.EnumerateFiles(Path.Combine(Fixtures.TinyA, "images"), name + ".*").Single();

    public static FileStream OpenImage(string name) => File.OpenRead(ImagePath(name));

    /// <summary>transformers' greedy ids for an image (kind: "greedy_uncond" or "greedy_prompt").</summary>
    public static long[] ReferenceIds(string name, string kind) =>
        NpyReader.ReadFile(Path.Combine(Fixtures.TinyA, "reference", $"{name}.{kind}.ids.npy")).AsInt64s().ToArray();

    public CaptioningOptions Options(int maxConcurrency = 1, string? modelDirectory = null) =>
        new() { ModelDirectory = modelDirectory ?? ModelDirectory, MaxConcurrency = maxConcurrency, IntraOpThreads = 1 };

    /// <summary>A copy of the model folder that a test may damage.</summary>
    public string CopyModel()
    {
        string copy = Path.Combine(Root, "copy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.EnumerateFiles(ModelDirectory))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    public void Dispose()
    {
        Model.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; never fail a run over it.
        }
    }
}
