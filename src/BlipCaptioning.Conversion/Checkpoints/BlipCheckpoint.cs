using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>
/// A loaded BlipForConditionalGeneration checkpoint: its architecture and its weights keyed by the state-dict
/// names transformers uses (e.g. <c>vision_model.embeddings.class_embedding</c>).
/// </summary>
/// <remarks>
/// <see cref="CheckpointLoader"/> fills <see cref="Weights"/> with exactly the names of
/// <see cref="BlipWeightLayout.StateDict"/>, tied weights resolved (both LM-head biases, the output projection).
/// Tensors may share their <c>Data</c> array; treat them as read-only.
/// </remarks>
public sealed record BlipCheckpoint(BlipArchitecture Architecture, IReadOnlyDictionary<string, CheckpointTensor> Weights, string Source)
{
    public CheckpointTensor this[string name] => Weights.TryGetValue(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"The checkpoint has no weight named '{name}'.");

    /// <summary>The generation defaults of the checkpoint folder (text_config, overridden by generation_config.json).</summary>
    public GenerationDefaults Generation { get; init; } = new();

    /// <summary>The image preprocessing of the checkpoint folder (preprocessor_config.json, else BlipImageProcessor's defaults).</summary>
    public PreprocessingSettings Preprocessing { get; init; } =
        new(BlipConfigReader.DefaultImageSize, BlipConfigReader.DefaultImageMean, BlipConfigReader.DefaultImageStd);

    /// <summary>
    /// The checkpoint folder it was loaded from (full path), whose tokenizer and preprocessor files a build copies;
    /// null for a checkpoint made in memory.
    /// </summary>
    public string? Directory { get; init; }

    /// <summary>What the loader noticed and tolerated: tensors ignored, tied weights filled in, buffers skipped.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
