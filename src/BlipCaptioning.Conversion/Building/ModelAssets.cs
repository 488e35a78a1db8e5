using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Inference;

namespace BlipCaptioning.Conversion.Building;

/// <summary>
/// What a model folder needs besides the graphs: generation defaults and preprocessing settings (recorded in the
/// manifest), and the folder whose tokenizer and preprocessor files are copied beside the graphs.
/// </summary>
/// <param name="Generation">Generation defaults for the manifest.</param>
/// <param name="Preprocessing">Image preprocessing settings for the manifest.</param>
/// <param name="SourceDirectory">
/// A checkpoint folder whose vocab.txt, tokenizer_config.json, special_tokens_map.json and preprocessor_config.json
/// are copied; files it lacks (or all of them, when null) are written with BLIP's standard contents.
/// </param>
public sealed record ModelAssets(GenerationDefaults Generation, PreprocessingSettings Preprocessing, string? SourceDirectory = null)
{
    /// <summary>CLIP's mean, which BLIP's image processor uses.</summary>
    public static readonly IReadOnlyList<float> ClipMean = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>CLIP's standard deviation, which BLIP's image processor uses.</summary>
    public static readonly IReadOnlyList<float> ClipStd = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>The settings a checkpoint folder's JSON files give, copying its tokenizer files from <paramref name="sourceDirectory"/>.</summary>
    public static ModelAssets From(BlipModelConfig config, string? sourceDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ModelAssets(config.Generation, config.Preprocessing, sourceDirectory);
    }

    /// <summary>transformers' defaults for BLIP captioning: greedy, max length 20, CLIP normalisation at the model's image size.</summary>
    public static ModelAssets Defaults(BlipArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        return new ModelAssets(new GenerationDefaults(), new PreprocessingSettings(architecture.Vision.ImageSize, ClipMean, ClipStd));
    }
}
