using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.CheckpointWriting;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>
/// The tiny random BLIP model, made once per run exactly as `blip model random --preset tiny` makes it (seeded
/// random weights, meaningless but real captions) into a temporary model folder.
/// </summary>
public sealed class TinyModelFixture : IDisposable
{
    /// <summary>The manifest's source of the model.</summary>
    public const string Source = "random:tiny:seed=42";

    public TinyModelFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "blip-functions-tests-" + Guid.NewGuid().ToString("N"));
        ModelDirectory = Path.Combine(Root, "tiny");
        string checkpointDirectory = Path.Combine(Root, "checkpoint");
        RandomCheckpointWriter.Write(checkpointDirectory, BlipPreset.FromName("tiny"), 42, CheckpointFormats.Safetensors);
        BlipCheckpoint checkpoint = CheckpointLoader.Load(checkpointDirectory) with { Source = Source };
        BlipModelBuilder.Build(checkpoint, ModelDirectory);
    }

    public string Root { get; }

    public string ModelDirectory { get; }

    /// <summary>
    /// The bytes of one of the photos in tests/fixtures/transformers-tiny-a/images: astronaut, chelsea, coffee (PNG)
    /// or rocket (JPEG).
    /// </summary>
    public static byte[] Photo(string name) =>
        File.ReadAllBytes(Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "tests", "fixtures", "transformers-tiny-a", "images"), name + ".*").Single());

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }
}
