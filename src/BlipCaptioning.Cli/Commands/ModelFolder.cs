using BlipCaptioning.Model;

namespace BlipCaptioning.Cli.Commands;

/// <summary>Where a model folder came from, so a message about it can say how to change it.</summary>
internal enum ModelFolderSource
{
    /// <summary>Given with <c>--model</c>.</summary>
    Option,

    /// <summary>From <c>$BLIP_MODEL</c>.</summary>
    Variable,

    /// <summary>The per-user default (<see cref="ModelLocation.PerUserDirectory"/>).</summary>
    Default,
}

/// <summary>
/// Looks at a model folder before loading it and, when it cannot be a model, throws a
/// <see cref="ModelUnavailableException"/> whose message names the exact command that makes one: <c>blip model
/// fetch</c> for the default folder, <c>blip model build --from</c> for a checkpoint folder given as a model.
/// </summary>
internal static class ModelFolder
{
    private static readonly string[] WeightFiles = ["model.safetensors", "pytorch_model.bin", "model.safetensors.index.json", "pytorch_model.bin.index.json"];

    public static void EnsureLooksUsable(string directory, ModelFolderSource source)
    {
        string full = Path.GetFullPath(directory);
        string given = source switch
        {
            ModelFolderSource.Variable => $" (from ${ModelLocation.Variable})",
            ModelFolderSource.Option => " (--model)",
            _ => "",
        };

        if (File.Exists(full))
        {
            throw new ModelUnavailableException($"{full}{given} is a file, not a model folder. {HowToMake(directory, source)}");
        }

        if (!Directory.Exists(full))
        {
            throw new ModelUnavailableException(source == ModelFolderSource.Default
                ? $"No model yet: the default model folder {full} does not exist. {HowToMake(directory, source)} (Or point --model or ${ModelLocation.Variable} at a model folder you have.)"
                : $"The model folder {full}{given} does not exist. {HowToMake(directory, source)}");
        }

        if (File.Exists(Path.Combine(full, BlipModelContract.ManifestFileName)))
        {
            return;
        }

        string? weights = WeightFiles.FirstOrDefault(name => File.Exists(Path.Combine(full, name)));
        if (File.Exists(Path.Combine(full, "config.json")) && weights is not null)
        {
            string target = ModelLocation.Resolve();
            if (Path.GetFullPath(target) == full)
            {
                target = full.TrimEnd(Path.DirectorySeparatorChar) + "-model";
            }

            bool targetIsDefault = Path.GetFullPath(target) == Path.GetFullPath(ModelLocation.Resolve());
            throw new ModelUnavailableException(
                $"{full}{given} is a Hugging Face checkpoint folder (config.json, {weights}), not a model folder. "
                + $"Build a model from it with `blip model build --from {ModelLocation.Quote(directory)} --out {ModelLocation.Quote(target)}`, "
                + (targetIsDefault ? "then run blip caption without --model." : $"then caption with --model {ModelLocation.Quote(target)}."));
        }

        throw new ModelUnavailableException(
            $"{full}{given} is not a model folder: it has no {BlipModelContract.ManifestFileName}. {HowToMake(directory, source)}");
    }

    private static string HowToMake(string directory, ModelFolderSource source)
    {
        string quoted = ModelLocation.Quote(directory);
        string fetch = source == ModelFolderSource.Default ? "blip model fetch" : $"blip model fetch --out {quoted}";
        return $"Make it with `{fetch}` (downloads Salesforce/blip-image-captioning-base, about 1 GB, from the Hugging Face hub and builds it), "
            + $"`blip model build --from CHECKPOINT_DIR --out {quoted}` from a checkpoint you have, "
            + $"or `blip model random --preset tiny --out {quoted}` to try the pipeline with random weights.";
    }
}
