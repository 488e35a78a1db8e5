using System.Text;
using System.Text.Json;

namespace BlipCaptioning.Conversion.CheckpointWriting;

/// <summary>
/// The config.json of a random-weight checkpoint: a full BlipConfig layout, as transformers' save_pretrained writes
/// it, with the preset's sizes and special ids and BLIP base's generation defaults.
/// </summary>
internal static class PresetConfig
{
    /// <summary>The config.json of <paramref name="preset"/>.</summary>
    public static string For(BlipPreset preset)
    {
        ArgumentNullException.ThrowIfNull(preset);
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
}
