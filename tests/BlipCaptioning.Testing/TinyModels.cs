using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.CheckpointWriting;
using BlipCaptioning.Model;

namespace BlipCaptioning.Testing;

/// <summary>
/// Builds the two tiny models the tests caption with, the way the project's own commands build them: tiny-a
/// (tests/fixtures/transformers-tiny-a, with transformers' reference outputs) and the random "tiny" preset.
/// </summary>
public static class TinyModels
{
    /// <summary>The manifest source of a tiny-a build.</summary>
    public const string TinyASource = "tests/fixtures/transformers-tiny-a";

    /// <summary>The manifest source <c>blip model random --preset tiny --seed 42</c> records.</summary>
    public const string RandomTinySource = "random:tiny:seed=42";

    /// <summary>Builds tiny-a into <paramref name="modelDirectory"/>, as <c>blip model build</c> would.</summary>
    public static BlipModelManifest BuildTinyA(string modelDirectory, ModelPrecision precision = ModelPrecision.Fp32) =>
        BlipModelBuilder.Build(CheckpointLoader.Load(RepositoryPaths.TinyACheckpoint) with { Source = TinyASource }, modelDirectory, precision);

    /// <summary>
    /// What <c>blip model random --preset tiny --seed 42</c> makes: the random checkpoint in
    /// <paramref name="modelDirectory"/>/checkpoint and the model folder built from it in <paramref name="modelDirectory"/>.
    /// </summary>
    public static BlipModelManifest BuildRandomTiny(string modelDirectory, ModelPrecision precision = ModelPrecision.Fp32)
    {
        string checkpoint = Path.Combine(modelDirectory, "checkpoint");
        if (!File.Exists(Path.Combine(checkpoint, HubFileNames.Config)))
        {
            RandomCheckpointWriter.Write(checkpoint, BlipPreset.Tiny, 42, CheckpointFormats.Safetensors);
        }

        return BlipModelBuilder.Build(CheckpointLoader.Load(checkpoint) with { Source = RandomTinySource }, modelDirectory, precision);
    }

    /// <summary>
    /// A copy of tiny-a's checkpoint folder in <paramref name="destination"/> holding one of its two weights files,
    /// <paramref name="weightsFile"/> (model.safetensors or pytorch_model.bin), and the rest of its files.
    /// </summary>
    public static string CopyTinyACheckpoint(string destination, string weightsFile)
    {
        if (weightsFile is not (HubFileNames.Safetensors or HubFileNames.TorchBin))
        {
            throw new ArgumentException($"Not a weights file: {weightsFile}", nameof(weightsFile));
        }

        Directory.CreateDirectory(destination);
        foreach (string file in Directory.EnumerateFiles(RepositoryPaths.TinyACheckpoint))
        {
            string name = Path.GetFileName(file);
            if (name is not (HubFileNames.Safetensors or HubFileNames.TorchBin) || name == weightsFile)
            {
                File.Copy(file, Path.Combine(destination, name));
            }
        }

        return destination;
    }

    /// <summary>A copy of a model folder's files in a new folder under <paramref name="parent"/>, for a test to damage.</summary>
    public static string Copy(string modelDirectory, string parent)
    {
        string copy = Directory.CreateDirectory(Path.Combine(parent, "model-copy-" + Guid.NewGuid().ToString("N"))).FullName;
        foreach (string file in Directory.EnumerateFiles(modelDirectory))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }
}
