using System.Text;
using System.Text.Json;

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>The JSON and vocabulary files of a BLIP hub folder, written for a preset.</summary>
internal static class HubFolderFiles
{
    public const string VocabularyResource = "bert-base-uncased-vocab.txt";

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

    public const string SpecialTokensMap = """
        {"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]"}

        """;

    public static string PreprocessorConfig(int imageSize) => $$"""
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
          "size": {{imageSize}}
        }

        """;

    /// <summary>A full BlipConfig layout (like transformers' save_pretrained) for the preset.</summary>
    public static string Config(BlipPreset preset)
    {
        var vision = preset.Architecture.Vision;
        var text = preset.Architecture.Text;
        var tokens = preset.Architecture.Tokens;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("architectures");
            json.WriteStringValue("BlipForConditionalGeneration");
            json.WriteEndArray();
            json.WriteString("model_type", "blip");
            json.WriteNumber("projection_dim", 512);
            json.WriteNumber("logit_scale_init_value", 2.6592);
            json.WriteNumber("image_text_hidden_size", 256);
            json.WriteNumber("initializer_factor", 1.0);
            json.WriteNumber("initializer_range", 0.02);
            json.WriteBoolean("tie_word_embeddings", preset.TieWordEmbeddings);
            json.WriteString("torch_dtype", "float32");
            json.WriteStartObject("text_config");
            json.WriteString("model_type", "blip_text_model");
            json.WriteNumber("vocab_size", text.VocabSize);
            json.WriteNumber("hidden_size", text.HiddenSize);
            json.WriteNumber("encoder_hidden_size", text.EncoderHiddenSize);
            json.WriteNumber("intermediate_size", text.IntermediateSize);
            json.WriteNumber("num_hidden_layers", text.Layers);
            json.WriteNumber("num_attention_heads", text.Heads);
            json.WriteNumber("max_position_embeddings", text.MaxPositions);
            json.WriteString("hidden_act", "gelu");
            json.WriteNumber("layer_norm_eps", text.LayerNormEps);
            json.WriteNumber("hidden_dropout_prob", 0.0);
            json.WriteNumber("attention_probs_dropout_prob", 0.0);
            json.WriteNumber("initializer_range", 0.02);
            json.WriteNumber("bos_token_id", tokens.DecoderStart);
            json.WriteNumber("eos_token_id", 2);
            json.WriteNumber("pad_token_id", tokens.Pad);
            json.WriteNumber("sep_token_id", tokens.Separator);
            json.WriteBoolean("is_decoder", true);
            json.WriteBoolean("use_cache", true);
            json.WriteNumber("label_smoothing", 0.0);
            json.WriteBoolean("tie_word_embeddings", preset.TieWordEmbeddings);
            json.WriteNumber("projection_dim", 768);
            json.WriteNumber("max_length", 20);
            json.WriteNumber("min_length", 0);
            json.WriteNumber("num_beams", 1);
            json.WriteBoolean("do_sample", false);
            json.WriteNumber("repetition_penalty", 1.0);
            json.WriteNumber("length_penalty", 1.0);
            json.WriteNumber("no_repeat_ngram_size", 0);
            json.WriteBoolean("early_stopping", false);
            json.WriteEndObject();
            json.WriteStartObject("vision_config");
            json.WriteString("model_type", "blip_vision_model");
            json.WriteNumber("hidden_size", vision.HiddenSize);
            json.WriteNumber("intermediate_size", vision.IntermediateSize);
            json.WriteNumber("num_hidden_layers", vision.Layers);
            json.WriteNumber("num_attention_heads", vision.Heads);
            json.WriteNumber("num_channels", 3);
            json.WriteNumber("image_size", vision.ImageSize);
            json.WriteNumber("patch_size", vision.PatchSize);
            json.WriteString("hidden_act", "gelu");
            json.WriteNumber("layer_norm_eps", vision.LayerNormEps);
            json.WriteNumber("attention_dropout", 0.0);
            json.WriteNumber("dropout", 0.0);
            json.WriteNumber("initializer_range", 1e-10);
            json.WriteNumber("projection_dim", 512);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static void CopyVocabulary(string path)
    {
        using var resource = typeof(HubFolderFiles).Assembly.GetManifestResourceStream(VocabularyResource)
            ?? throw new InvalidOperationException($"The embedded resource '{VocabularyResource}' is missing from the Conversion assembly.");
        using var file = File.Create(path);
        resource.CopyTo(file);
    }
}
