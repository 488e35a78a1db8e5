using System.Globalization;
using System.Text;
using System.Text.Json;
using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>
/// The tokenizer and preprocessor files of Salesforce/blip-image-captioning-base's hub folder, as the hub holds them:
/// what a random-weight checkpoint is written with, and what a build writes into a model folder when the checkpoint
/// folder lacks one of them (the bert-base-uncased vocabulary, its tokenizer settings, BlipImageProcessor's settings).
/// </summary>
public static class DefaultHubFiles
{
    /// <summary>The manifest name of the embedded bert-base-uncased vocab.txt (tests/fixtures/vocab/PROVENANCE.md).</summary>
    private const string VocabularyResource = "bert-base-uncased-vocab.txt";

    /// <summary>The hub's tokenizer_config.json (bert-base-uncased's, used by BlipProcessor).</summary>
    public const string TokenizerConfig = """
        {
          "cls_token": "[CLS]",
          "do_basic_tokenize": true,
          "do_lower_case": true,
          "mask_token": "[MASK]",
          "model_input_names": [
            "input_ids",
            "attention_mask"
          ],
          "model_max_length": 512,
          "name_or_path": "bert-base-uncased",
          "never_split": null,
          "pad_token": "[PAD]",
          "processor_class": "BlipProcessor",
          "sep_token": "[SEP]",
          "strip_accents": null,
          "tokenize_chinese_chars": true,
          "tokenizer_class": "BertTokenizer",
          "unk_token": "[UNK]"
        }

        """;

    /// <summary>The hub's special_tokens_map.json.</summary>
    public const string SpecialTokensMap = """
        {"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]"}

        """;

    /// <summary>
    /// BlipImageProcessor's settings for <paramref name="preprocessing"/> in the hub's preprocessor_config.json layout.
    /// BlipImageProcessor's defaults (CLIP mean and std, rescale 1/255) give the hub's file exactly, with the image size;
    /// other settings are written in the same layout with a rescale_factor, as float32 values that read back exactly.
    /// </summary>
    public static string PreprocessorConfig(PreprocessingSettings preprocessing)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        if (IsBlipDefault(preprocessing))
        {
            // The hub spells CLIP's mean and std with OpenAI's decimals, which float32 would print otherwise (0.48145467).
            return string.Create(CultureInfo.InvariantCulture, $$"""
                {
                  "do_normalize": true,
                  "do_resize": true,
                  "image_mean": [
                    0.48145466,
                    0.4578275,
                    0.40821073
                  ],
                  "image_processor_type": "BlipImageProcessor",
                  "image_std": [
                    0.26862954,
                    0.26130258,
                    0.27577711
                  ],
                  "processor_class": "BlipProcessor",
                  "size": {{preprocessing.ImageSize}}
                }

                """);
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteBoolean("do_normalize", true);
            json.WriteBoolean("do_resize", true);
            WriteFloats(json, "image_mean", preprocessing.Mean);
            json.WriteString("image_processor_type", "BlipImageProcessor");
            WriteFloats(json, "image_std", preprocessing.Std);
            json.WriteString("processor_class", "BlipProcessor");
            json.WriteNumber("rescale_factor", preprocessing.RescaleFactor);
            json.WriteNumber("size", preprocessing.ImageSize);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Writes the bert-base-uncased vocab.txt (30,522 lines) to <paramref name="path"/>.</summary>
    public static void WriteVocabulary(string path)
    {
        using var resource = typeof(DefaultHubFiles).Assembly.GetManifestResourceStream(VocabularyResource)
            ?? throw new InvalidOperationException($"The embedded resource '{VocabularyResource}' is missing from the Conversion assembly.");
        using var file = File.Create(path);
        resource.CopyTo(file);
    }

    private static bool IsBlipDefault(PreprocessingSettings preprocessing) =>
        preprocessing.Mean.SequenceEqual(BlipConfigReader.DefaultImageMean)
        && preprocessing.Std.SequenceEqual(BlipConfigReader.DefaultImageStd)
        && preprocessing.RescaleFactor == 1.0 / 255.0;

    private static void WriteFloats(Utf8JsonWriter json, string name, IReadOnlyList<float> values)
    {
        json.WriteStartArray(name);
        foreach (float value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }
}
