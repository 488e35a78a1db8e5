using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>
/// Everything a checkpoint folder's JSON files say about the model: the architecture (config.json), whether the LM
/// head's output projection is tied to the word embeddings, the generation defaults (config.json's text_config,
/// overridden by generation_config.json) and the image preprocessing (preprocessor_config.json).
/// </summary>
public sealed record BlipModelConfig(
    BlipArchitecture Architecture,
    bool TieWordEmbeddings,
    GenerationDefaults Generation,
    PreprocessingSettings Preprocessing);
