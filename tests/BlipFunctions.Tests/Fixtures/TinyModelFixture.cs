using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>
/// The tiny random BLIP model: the transformers-tiny-a checkpoint (tests/fixtures; random weights, meaningless but
/// real captions) built once per run with the project's own model builder into a temporary model folder.
/// </summary>
public sealed class TinyModelFixture : IDisposable
{
    public TinyModelFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "blip-functions-tests-" + Guid.NewGuid().ToString("N"));
        ModelDirectory = Path.Combine(Root, "tiny-a");
        string checkpointDirectory = Path.Combine(TinyA, "checkpoint");
        BlipModelConfig config = BlipConfigReader.ReadDirectory(checkpointDirectory);
        var weights = SafetensorsReader.ReadAll(Path.Combine(checkpointDirectory, HubFileNames.Safetensors));
        var checkpoint = new BlipCheckpoint(config.Architecture, weights, "tests/fixtures/transformers-tiny-a");
        BlipModelBuilder.Build(checkpoint, ModelDirectory, ModelPrecision.Fp32, checkpointDirectory);
    }

    public static string TinyA => Path.Combine(RepositoryRoot.Path, "tests", "fixtures", "transformers-tiny-a");

    public string Root { get; }

    public string ModelDirectory { get; }

    /// <summary>The bytes of one of the tiny-a photos: astronaut, chelsea, coffee (PNG) or rocket (JPEG).</summary>
    public static byte[] Photo(string name) =>
        File.ReadAllBytes(Directory.EnumerateFiles(Path.Combine(TinyA, "images"), name + ".*").Single());

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
