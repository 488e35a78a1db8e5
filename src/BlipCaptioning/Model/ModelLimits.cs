namespace BlipCaptioning.Model;

/// <summary>
/// The budgets every checkpoint, config and model folder is read within. A file or field beyond them is refused
/// with its name before anything of its size is allocated. They are far above BLIP base and large (the numbers in
/// brackets) and within what one process on a 24 GiB machine can build; docs/checkpoints.md lists them.
/// None of them can be changed by configuration: a model beyond them is not one this project can run.
/// </summary>
public static class ModelLimits
{
    /// <summary>Decoder or vision encoder layers (12 for base and large's decoder, 24 for large's encoder).</summary>
    public const int MaxLayers = 128;

    /// <summary>A hidden_size (768 base, 1024 large).</summary>
    public const int MaxHiddenSize = 8192;

    /// <summary>An intermediate_size (3072 base, 4096 large).</summary>
    public const int MaxIntermediateSize = 32768;

    /// <summary>Attention heads (12 base, 16 large).</summary>
    public const int MaxHeads = 256;

    /// <summary>The decoder's vocab_size (30524).</summary>
    public const int MaxVocabSize = 1 << 20;

    /// <summary>The decoder's max_position_embeddings (512); also the longest caption a model may generate.</summary>
    public const int MaxPositions = 8192;

    /// <summary>The vision encoder's image_size in pixels (384).</summary>
    public const int MaxImageSize = 1024;

    /// <summary>Image tokens, (image_size / patch_size)² + 1 (577): attention costs their square.</summary>
    public const int MaxImageTokens = 4097;

    /// <summary>
    /// Values of the captioning weights together (247,414,076 base, about 470 million large): 4 GiB as float32,
    /// which a build holds in memory with its graphs.
    /// </summary>
    public const long MaxParameters = 1L << 30;

    /// <summary>
    /// Beams of a beam search (1 for BLIP base's greedy default, 3 for the BLIP paper's setting): the most a model's
    /// generation defaults or a call may ask for. The cost grows linearly with beams.
    /// </summary>
    public const int MaxBeams = 16;

    /// <summary>blip-model.json (about 30 KB for base).</summary>
    public const long MaxManifestBytes = 1L << 20;

    /// <summary>
    /// Each small JSON file of a checkpoint or model folder: config.json, generation_config.json,
    /// preprocessor_config.json, processor_config.json, tokenizer_config.json, special_tokens_map.json (a few KB each).
    /// </summary>
    public const long MaxJsonFileBytes = 1L << 20;

    /// <summary>vocab.txt (226 KiB for bert-base-uncased).</summary>
    public const long MaxVocabularyBytes = 8L << 20;

    /// <summary>All files of a model folder together (about 1 GB for base fp32, 0.25 GB int8): what a copy or a load reads.</summary>
    public const long MaxModelBytes = 8L << 30;
}
