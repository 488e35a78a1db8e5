namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>The file names of a Hugging Face hub checkpoint folder of BlipForConditionalGeneration.</summary>
public static class HubFileNames
{
    public const string Config = "config.json";
    public const string GenerationConfig = "generation_config.json";
    public const string PreprocessorConfig = "preprocessor_config.json";

    /// <summary>What transformers 5's processor save_pretrained writes instead of preprocessor_config.json: the image processor's settings nested under "image_processor".</summary>
    public const string ProcessorConfig = "processor_config.json";
    public const string Safetensors = "model.safetensors";
    public const string TorchBin = "pytorch_model.bin";
    public const string Vocabulary = "vocab.txt";
    public const string TokenizerConfig = "tokenizer_config.json";
    public const string SpecialTokensMap = "special_tokens_map.json";
}
