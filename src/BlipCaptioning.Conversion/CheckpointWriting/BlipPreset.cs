using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.CheckpointWriting;

/// <summary>A named BLIP architecture for random-weight checkpoints.</summary>
/// <param name="Name">The preset's name ("tiny", "base").</param>
/// <param name="Architecture">The sizes and special ids written into config.json.</param>
/// <param name="TieWordEmbeddings">Whether config.json ties the output projection to the word embeddings (the written values are then equal).</param>
public sealed record BlipPreset(string Name, BlipArchitecture Architecture, bool TieWordEmbeddings)
{
    private static readonly SpecialTokenIds BlipTokens = new(DecoderStart: 30522, Separator: 102, Pad: 0);

    /// <summary>
    /// A tiny model with the real vocabulary and image size (vision 48 wide, 2 layers, 4 heads; text 32 wide,
    /// 2 layers, 4 heads; 384×384 images, 16-pixel patches), untied output projection.
    /// </summary>
    public static BlipPreset Tiny { get; } = new(
        "tiny",
        new BlipArchitecture(
            new VisionDimensions(ImageSize: 384, PatchSize: 16, HiddenSize: 48, Layers: 2, Heads: 4, IntermediateSize: 100, LayerNormEps: 1e-5),
            new TextDimensions(HiddenSize: 32, Layers: 2, Heads: 4, IntermediateSize: 72, VocabSize: 30524, MaxPositions: 512, EncoderHiddenSize: 48, LayerNormEps: 1e-12),
            BlipTokens),
        TieWordEmbeddings: false);

    /// <summary>The sizes of Salesforce/blip-image-captioning-base (247,414,076 stored parameters).</summary>
    public static BlipPreset Base { get; } = new(
        "base",
        new BlipArchitecture(
            new VisionDimensions(ImageSize: 384, PatchSize: 16, HiddenSize: 768, Layers: 12, Heads: 12, IntermediateSize: 3072, LayerNormEps: 1e-5),
            new TextDimensions(HiddenSize: 768, Layers: 12, Heads: 12, IntermediateSize: 3072, VocabSize: 30524, MaxPositions: 512, EncoderHiddenSize: 768, LayerNormEps: 1e-12),
            BlipTokens),
        TieWordEmbeddings: true);

    public static IReadOnlyList<BlipPreset> All { get; } = [Tiny, Base];

    /// <summary>BlipImageProcessor's defaults at the preset's image size (what its preprocessor_config.json says).</summary>
    public PreprocessingSettings Preprocessing =>
        new(Architecture.Vision.ImageSize, BlipConfigReader.DefaultImageMean, BlipConfigReader.DefaultImageStd);

    /// <summary>The number of values a checkpoint of this preset stores (the tied decoder bias counted once).</summary>
    public long StoredParameters => BlipWeightLayout.CountParameters(BlipWeightLayout.Stored(Architecture));

    /// <summary>Finds a preset by name (case-insensitive).</summary>
    public static BlipPreset FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(preset => string.Equals(preset.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"There is no BLIP preset named '{name}'; choose one of: {string.Join(", ", All.Select(preset => preset.Name))}.", nameof(name));
    }
}
