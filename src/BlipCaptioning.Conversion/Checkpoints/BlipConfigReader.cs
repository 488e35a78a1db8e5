using System.Globalization;
using BlipCaptioning.Files;
using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>
/// Reads the JSON files of a BlipForConditionalGeneration checkpoint folder. Every size comes from the file, never
/// from transformers' class defaults (BlipTextConfig's default of 8 heads is wrong for the published checkpoint).
/// </summary>
public static class BlipConfigReader
{
    /// <summary>CLIP's image mean, BlipImageProcessor's default.</summary>
    public static readonly IReadOnlyList<float> DefaultImageMean = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>CLIP's image standard deviation, BlipImageProcessor's default.</summary>
    public static readonly IReadOnlyList<float> DefaultImageStd = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>BlipImageProcessor's default size (384×384) when preprocessor_config.json does not say.</summary>
    public const int DefaultImageSize = 384;

    /// <summary>BlipTextConfig's default cross-attention width, used by transformers when encoder_hidden_size is absent.</summary>
    public const int TransformersDefaultEncoderHiddenSize = 768;

    private const string CaptioningArchitecture = "BlipForConditionalGeneration";

    /// <summary>
    /// Reads config.json, generation_config.json (when present) and preprocessor_config.json (when present; else the
    /// "image_processor" object of transformers 5's processor_config.json, when present) of <paramref name="directory"/>.
    /// </summary>
    public static BlipModelConfig ReadDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var configPath = Path.Combine(directory, HubFileNames.Config);
        if (!File.Exists(configPath))
        {
            throw new CheckpointFormatException(
                $"{configPath} does not exist. A BLIP checkpoint folder needs the config.json of a BlipForConditionalGeneration (e.g. from Salesforce/blip-image-captioning-base).");
        }

        var configJson = ReadJsonFile(configPath);
        var generationPath = Path.Combine(directory, HubFileNames.GenerationConfig);
        var generationJson = File.Exists(generationPath) ? ReadJsonFile(generationPath) : null;
        var preprocessorPath = Path.Combine(directory, HubFileNames.PreprocessorConfig);
        var preprocessorJson = File.Exists(preprocessorPath) ? ReadJsonFile(preprocessorPath) : null;
        if (preprocessorJson is null && ReadNestedImageProcessor(Path.Combine(directory, HubFileNames.ProcessorConfig)) is { } nested)
        {
            preprocessorPath = Path.Combine(directory, HubFileNames.ProcessorConfig) + " (image_processor)";
            preprocessorJson = nested;
        }

        var architecture = ReadArchitecture(configJson, configPath);
        var preprocessing = ReadPreprocessing(preprocessorJson, preprocessorPath);
        if (preprocessing.ImageSize != architecture.Vision.ImageSize)
        {
            throw new CheckpointFormatException(
                $"{preprocessorPath}: field 'size' is {preprocessing.ImageSize} but {configPath} has vision_config.image_size {architecture.Vision.ImageSize}; BLIP's vision encoder needs images of its own size.");
        }

        return new BlipModelConfig(
            architecture,
            ReadTieWordEmbeddings(configJson, configPath),
            ReadGenerationDefaults(configJson, generationJson, configPath, generationPath),
            preprocessing);
    }

    /// <summary>Reads the model sizes and special token ids from the text of a config.json.</summary>
    /// <param name="configJson">The file's text.</param>
    /// <param name="fileName">The name used in error messages.</param>
    public static BlipArchitecture ReadArchitecture(string configJson, string fileName = HubFileNames.Config)
    {
        ArgumentNullException.ThrowIfNull(configJson);
        using var document = JsonFieldReader.Parse(configJson, fileName);
        var root = new JsonFieldReader(document.RootElement, fileName, "");
        CheckModelType(root);

        var visionFields = root.Object("vision_config");
        var textFields = root.Object("text_config");
        var vision = ReadVision(visionFields);
        var text = ReadText(textFields, vision);
        var tokens = new SpecialTokenIds(
            DecoderStart: textFields.Int("bos_token_id"),
            Separator: textFields.Int("sep_token_id"),
            Pad: textFields.Int("pad_token_id"));
        CheckTokenId(textFields, "bos_token_id", tokens.DecoderStart, text.VocabSize);
        CheckTokenId(textFields, "sep_token_id", tokens.Separator, text.VocabSize);
        CheckTokenId(textFields, "pad_token_id", tokens.Pad, text.VocabSize);
        var architecture = new BlipArchitecture(vision, text, tokens);
        var parameters = BlipWeightLayout.CountParameters(BlipWeightLayout.StateDict(architecture));
        if (parameters > ModelLimits.MaxParameters)
        {
            throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{fileName}: its sizes make {parameters:N0} parameters, more than the {ModelLimits.MaxParameters:N0} this converter builds (BLIP base has 247,414,076)."));
        }

        return architecture;
    }

    /// <summary>
    /// Whether the text decoder's output projection is tied to its word embeddings: text_config.tie_word_embeddings,
    /// else the top-level tie_word_embeddings, else transformers' default (true).
    /// </summary>
    public static bool ReadTieWordEmbeddings(string configJson, string fileName = HubFileNames.Config)
    {
        ArgumentNullException.ThrowIfNull(configJson);
        using var document = JsonFieldReader.Parse(configJson, fileName);
        var root = new JsonFieldReader(document.RootElement, fileName, "");
        return root.Object("text_config").TryBool("tie_word_embeddings") ?? root.TryBool("tie_word_embeddings") ?? true;
    }

    /// <summary>
    /// Reads the generation defaults stored in config.json's text_config (transformers derives the text decoder's
    /// generation config from it); each field present in generation_config.json overrides it.
    /// </summary>
    public static GenerationDefaults ReadGenerationDefaults(
        string configJson,
        string? generationConfigJson,
        string configFileName = HubFileNames.Config,
        string generationFileName = HubFileNames.GenerationConfig)
    {
        ArgumentNullException.ThrowIfNull(configJson);
        using var document = JsonFieldReader.Parse(configJson, configFileName);
        var text = new JsonFieldReader(document.RootElement, configFileName, "").Object("text_config");
        var maxPositions = Math.Clamp(text.TryInt("max_position_embeddings") ?? ModelLimits.MaxPositions, 2, ModelLimits.MaxPositions);
        var defaults = ApplyGenerationFields(new GenerationDefaults(), text, maxPositions);
        if (generationConfigJson is null)
        {
            return defaults;
        }

        using var generationDocument = JsonFieldReader.Parse(generationConfigJson, generationFileName);
        return ApplyGenerationFields(defaults, new JsonFieldReader(generationDocument.RootElement, generationFileName, ""), maxPositions);
    }

    /// <summary>
    /// Reads preprocessor_config.json; <see langword="null"/> text means the file is absent and BlipImageProcessor's
    /// defaults apply (384×384, CLIP mean and std, rescale 1/255).
    /// </summary>
    public static PreprocessingSettings ReadPreprocessing(string? preprocessorConfigJson, string fileName = HubFileNames.PreprocessorConfig)
    {
        if (preprocessorConfigJson is null)
        {
            return new PreprocessingSettings(DefaultImageSize, DefaultImageMean, DefaultImageStd);
        }

        using var document = JsonFieldReader.Parse(preprocessorConfigJson, fileName);
        var fields = new JsonFieldReader(document.RootElement, fileName, "");
        if (fields.TryString("image_processor_type") is { } processor && processor is not ("BlipImageProcessor" or "BlipImageProcessorFast"))
        {
            throw fields.Error("image_processor_type", $"is '{processor}'; BLIP captioning needs BlipImageProcessor.");
        }

        if (fields.TryBool("do_resize") == false)
        {
            throw fields.Error("do_resize", "is false; BLIP's vision encoder needs images resized to its fixed size.");
        }

        var size = ReadSize(fields);
        var doNormalize = fields.TryBool("do_normalize") ?? true;
        var mean = fields.TryFloatArray("image_mean", 3) ?? [.. DefaultImageMean];
        var std = fields.TryFloatArray("image_std", 3) ?? [.. DefaultImageStd];
        if (std.Any(value => !(value > 0) || !float.IsFinite(value)))
        {
            throw fields.Error("image_std", "must hold three finite positive numbers.");
        }

        if (mean.Any(value => !float.IsFinite(value)))
        {
            throw fields.Error("image_mean", "must hold three finite numbers.");
        }

        if (!doNormalize)
        {
            mean = [0f, 0f, 0f];
            std = [1f, 1f, 1f];
        }

        var rescale = fields.TryBool("do_rescale") ?? true
            ? fields.TryDouble("rescale_factor") ?? 1.0 / 255.0
            : 1.0;
        if (!(rescale > 0) || !double.IsFinite(rescale))
        {
            throw fields.Error("rescale_factor", $"must be a finite positive number, not {rescale}.");
        }

        return new PreprocessingSettings(size, mean, std, rescale);
    }

    /// <summary>
    /// The "image_processor" object of a processor_config.json as JSON text (transformers 5 saves a BlipProcessor's
    /// image settings there and writes no preprocessor_config.json); null when the file or the object is absent.
    /// </summary>
    private static string? ReadNestedImageProcessor(string processorConfigPath)
    {
        if (!File.Exists(processorConfigPath))
        {
            return null;
        }

        using var document = JsonFieldReader.Parse(ReadJsonFile(processorConfigPath), processorConfigPath);
        return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
            && document.RootElement.TryGetProperty("image_processor", out var imageProcessor)
            && imageProcessor.ValueKind == System.Text.Json.JsonValueKind.Object
                ? imageProcessor.GetRawText()
                : null;
    }

    /// <summary>A checkpoint's JSON file, a regular file of at most <see cref="ModelLimits.MaxJsonFileBytes"/>.</summary>
    internal static string ReadJsonFile(string path) =>
        BoundedFile.ReadAllText(path, ModelLimits.MaxJsonFileBytes, message => new CheckpointFormatException($"{message} A checkpoint's JSON files are a few kilobytes."));

    private static int ReadSize(JsonFieldReader fields)
    {
        if (fields.TryRaw("size") is not { } size)
        {
            return DefaultImageSize;
        }

        if (size.ValueKind == System.Text.Json.JsonValueKind.Number)
        {
            return fields.PositiveInt("size");
        }

        if (size.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            throw fields.Error("size", $"must be an integer or {{\"height\": h, \"width\": w}}, not {size.GetRawText()}.");
        }

        var sizeFields = fields.Object("size");
        if (!sizeFields.Has("height") || !sizeFields.Has("width"))
        {
            throw fields.Error("size", $"must give height and width (BlipImageProcessor squashes to a fixed size), not {size.GetRawText()}.");
        }

        var height = sizeFields.PositiveInt("height");
        var width = sizeFields.PositiveInt("width");
        return height == width
            ? height
            : throw fields.Error("size", $"is {height}x{width}; only square sizes are supported (BLIP's vision encoder is square).");
    }

    private static void CheckModelType(JsonFieldReader root)
    {
        var modelType = root.TryString("model_type");
        if (modelType != "blip")
        {
            throw root.Error("model_type", modelType is null
                ? "is missing; a BLIP config.json has \"model_type\": \"blip\"."
                : $"is '{modelType}'; this reader only understands BLIP (\"model_type\": \"blip\").");
        }

        if (root.TryRaw("architectures") is { ValueKind: System.Text.Json.JsonValueKind.Array } architectures)
        {
            var names = architectures.EnumerateArray().Select(item => item.ToString()).ToList();
            if (names.Count > 0 && !names.Contains(CaptioningArchitecture))
            {
                throw root.Error("architectures", $"is [{string.Join(", ", names)}]; captioning needs a {CaptioningArchitecture} checkpoint.");
            }
        }
    }

    private static VisionDimensions ReadVision(JsonFieldReader fields)
    {
        var hidden = fields.BoundedInt("hidden_size", ModelLimits.MaxHiddenSize);
        var heads = fields.BoundedInt("num_attention_heads", ModelLimits.MaxHeads);
        CheckDivisible(fields, hidden, heads);
        var imageSize = fields.BoundedInt("image_size", ModelLimits.MaxImageSize);
        var patchSize = fields.BoundedInt("patch_size", imageSize);
        if (imageSize % patchSize != 0)
        {
            throw fields.Error("image_size", $"({imageSize}) must be a multiple of patch_size ({patchSize}).");
        }

        var side = imageSize / patchSize;
        if ((side * side) + 1 > ModelLimits.MaxImageTokens)
        {
            throw fields.Error("patch_size", string.Create(CultureInfo.InvariantCulture,
                $"({patchSize}) cuts {imageSize}x{imageSize} images into {side * side} patches; at most {ModelLimits.MaxImageTokens - 1} are supported (attention grows with their square)."));
        }

        if (fields.TryInt("num_channels") is { } channels && channels != 3)
        {
            throw fields.Error("num_channels", $"is {channels}; BLIP captions RGB images (3 channels).");
        }

        CheckActivation(fields);
        return new VisionDimensions(
            ImageSize: imageSize,
            PatchSize: patchSize,
            HiddenSize: hidden,
            Layers: fields.BoundedInt("num_hidden_layers", ModelLimits.MaxLayers),
            Heads: heads,
            IntermediateSize: fields.BoundedInt("intermediate_size", ModelLimits.MaxIntermediateSize),
            LayerNormEps: ReadEps(fields, 1e-5));
    }

    private static TextDimensions ReadText(JsonFieldReader fields, VisionDimensions vision)
    {
        var hidden = fields.BoundedInt("hidden_size", ModelLimits.MaxHiddenSize);
        var heads = fields.BoundedInt("num_attention_heads", ModelLimits.MaxHeads);
        CheckDivisible(fields, hidden, heads);
        var encoderHidden = fields.Has("encoder_hidden_size")
            ? fields.BoundedInt("encoder_hidden_size", ModelLimits.MaxHiddenSize)
            : TransformersDefaultEncoderHiddenSize;
        if (encoderHidden != vision.HiddenSize)
        {
            throw fields.Error("encoder_hidden_size", fields.Has("encoder_hidden_size")
                ? $"is {encoderHidden} but vision_config.hidden_size is {vision.HiddenSize}; the decoder cross-attends to the vision encoder's output, so they must be equal."
                : $"is absent, so transformers uses {TransformersDefaultEncoderHiddenSize}, but vision_config.hidden_size is {vision.HiddenSize}; add \"encoder_hidden_size\": {vision.HiddenSize} to text_config.");
        }

        CheckActivation(fields);
        return new TextDimensions(
            HiddenSize: hidden,
            Layers: fields.BoundedInt("num_hidden_layers", ModelLimits.MaxLayers),
            Heads: heads,
            IntermediateSize: fields.BoundedInt("intermediate_size", ModelLimits.MaxIntermediateSize),
            VocabSize: fields.BoundedInt("vocab_size", ModelLimits.MaxVocabSize),
            MaxPositions: fields.BoundedInt("max_position_embeddings", ModelLimits.MaxPositions),
            EncoderHiddenSize: encoderHidden,
            LayerNormEps: ReadEps(fields, 1e-12));
    }

    private static double ReadEps(JsonFieldReader fields, double transformersDefault)
    {
        var eps = fields.TryDouble("layer_norm_eps") ?? transformersDefault;
        return eps > 0 && double.IsFinite(eps) ? eps : throw fields.Error("layer_norm_eps", $"must be a finite positive number, not {eps}.");
    }

    private static void CheckActivation(JsonFieldReader fields)
    {
        if (fields.TryString("hidden_act") is { } activation && activation != "gelu")
        {
            throw fields.Error("hidden_act", $"is '{activation}'; BLIP uses the exact (erf) \"gelu\" and no other activation is supported.");
        }
    }

    private static void CheckDivisible(JsonFieldReader fields, int hidden, int heads)
    {
        if (hidden % heads != 0)
        {
            throw fields.Error("num_attention_heads", $"({heads}) must divide hidden_size ({hidden}) evenly.");
        }
    }

    private static void CheckTokenId(JsonFieldReader fields, string name, long id, int vocabSize)
    {
        if (id < 0 || id >= vocabSize)
        {
            throw fields.Error(name, $"is {id}, outside the vocabulary (vocab_size {vocabSize}).");
        }
    }

    /// <summary>
    /// Applies the generation fields <paramref name="fields"/> holds, within what the runtime runs: a default it
    /// cannot run would make every caption without settings of its own fail, so it is refused here, naming the field.
    /// </summary>
    private static GenerationDefaults ApplyGenerationFields(GenerationDefaults defaults, JsonFieldReader fields, int maxPositions)
    {
        var result = defaults with
        {
            MaxLength = fields.TryInt("max_length") ?? defaults.MaxLength,
            MinLength = fields.TryInt("min_length") ?? defaults.MinLength,
            NumBeams = fields.TryInt("num_beams") ?? defaults.NumBeams,
            LengthPenalty = fields.TryDouble("length_penalty") ?? defaults.LengthPenalty,
            EarlyStopping = ReadEarlyStopping(fields) ?? defaults.EarlyStopping,
            RepetitionPenalty = fields.TryDouble("repetition_penalty") ?? defaults.RepetitionPenalty,
            NoRepeatNgramSize = fields.TryInt("no_repeat_ngram_size") ?? defaults.NoRepeatNgramSize,
        };
        if (result.MaxLength < 2 || result.MaxLength > maxPositions)
        {
            throw fields.Error("max_length", $"is {result.MaxLength}; it counts [DEC], the prompt and the caption, so it must be between 2 and max_position_embeddings ({maxPositions}).");
        }

        if (result.MinLength < 0 || result.MinLength > result.MaxLength)
        {
            throw fields.Error("min_length", $"must be between 0 and max_length ({result.MaxLength}), not {result.MinLength}.");
        }

        if (result.NumBeams < 1 || result.NumBeams > ModelLimits.MaxBeams)
        {
            throw fields.Error("num_beams", $"is {result.NumBeams}; it must be between 1 (greedy) and {ModelLimits.MaxBeams} (the most beams this runtime searches).");
        }

        if (!(result.RepetitionPenalty > 0) || !double.IsFinite(result.RepetitionPenalty))
        {
            throw fields.Error("repetition_penalty", $"must be a finite positive number, not {result.RepetitionPenalty}.");
        }

        if (!double.IsFinite(result.LengthPenalty))
        {
            throw fields.Error("length_penalty", $"must be a finite number, not {result.LengthPenalty}.");
        }

        if (result.NoRepeatNgramSize < 0 || result.NoRepeatNgramSize > maxPositions)
        {
            throw fields.Error("no_repeat_ngram_size", $"must be between 0 and max_position_embeddings ({maxPositions}), not {result.NoRepeatNgramSize}.");
        }

        return result;
    }

    private static bool? ReadEarlyStopping(JsonFieldReader fields)
    {
        if (fields.TryRaw("early_stopping") is not { } value)
        {
            return null;
        }

        return value.ValueKind switch
        {
            System.Text.Json.JsonValueKind.True => true,
            System.Text.Json.JsonValueKind.False => false,
            System.Text.Json.JsonValueKind.String when value.GetString() == "never" => false,
            _ => throw fields.Error("early_stopping", $"must be true, false or \"never\", not {value.GetRawText()}."),
        };
    }
}
