namespace BlipCaptioning.Model;

/// <summary>
/// The project's ONNX model contract: file names, graph input/output names, and BLIP's special token ids.
/// A model directory written by <c>blip model build</c> holds three graphs and a manifest
/// (<see cref="ManifestFileName"/>) that records the shapes and dtypes; <c>models/README.md</c> documents it.
/// </summary>
/// <remarks>
/// The vision encoder runs once per image, the cross-attention keys and values of every decoder layer are computed
/// once per image from the image embeddings (transformers 4.26 to about 4.5x recomputes them at every step; newer
/// versions compute them on the first step and reuse them, with the same numbers), and the decoder runs one step at a
/// time with a self-attention key/value cache, empty on the first step (transformers' <c>past_key_values</c>).
/// models/README.md describes the model folder.
/// </remarks>
public static class BlipModelContract
{
    /// <summary>Version of the contract written into the manifest; bump it on any incompatible change.</summary>
    public const int FormatVersion = 1;

    /// <summary>The ONNX opset every graph is written with.</summary>
    public const int OpsetVersion = 17;

    /// <summary>The ONNX Runtime version the graphs are written and tested for.</summary>
    public const string OnnxRuntimeVersion = "1.31.1";

    public const string ManifestFileName = "blip-model.json";
    public const string VisionEncoderFileName = "vision_encoder.onnx";
    public const string CrossAttentionFileName = "text_cross_kv.onnx";
    public const string TextDecoderFileName = "text_decoder.onnx";
    public const string VocabularyFileName = "vocab.txt";
    public const string PreprocessorConfigFileName = "preprocessor_config.json";

    // Graph A: vision encoder. pixel_values float32 [batch, 3, image_size, image_size]
    //   -> image_embeds float32 [batch, num_patches + 1, vision_hidden] (post-LayerNorm last hidden state).
    public const string PixelValues = "pixel_values";
    public const string ImageEmbeds = "image_embeds";

    // Graph B: cross-attention keys/values. image_embeds float32 [images, tokens, vision_hidden]
    //   -> cross.{i}.key / cross.{i}.value float32 [images, text_heads, tokens, head_dim] for every decoder layer i.
    //   tokens = num_patches + 1 (577 for 384x384 images with 16x16 patches); a symbolic dimension in the graphs.

    // Graph C: one decoder step.
    //   input_ids int64 [batch, seq]; past.{i}.key/value float32 [batch, text_heads, past_seq, head_dim];
    //   cross.{i}.key/value float32 [images, text_heads, tokens, head_dim] with batch = images * rows_per_image
    //   (rows are grouped by image: row r uses image r / rows_per_image, so beams share one copy);
    //   -> logits float32 [batch, vocab] (last position only); present.{i}.key/value [batch, heads, past_seq + seq, head_dim].
    //   Position ids are past_seq .. past_seq + seq - 1, taken from the shape of past.0.key inside the graph.
    public const string InputIds = "input_ids";
    public const string Logits = "logits";

    public static string PastKey(int layer) => $"past.{layer}.key";
    public static string PastValue(int layer) => $"past.{layer}.value";
    public static string PresentKey(int layer) => $"present.{layer}.key";
    public static string PresentValue(int layer) => $"present.{layer}.value";
    public static string CrossKey(int layer) => $"cross.{layer}.key";
    public static string CrossValue(int layer) => $"cross.{layer}.value";

    /// <summary>[DEC], BLIP's decoder start (bos) id; a model-only id, not in vocab.txt.</summary>
    public const long DecoderStartTokenId = 30522;
    /// <summary>[ENC], model-only id.</summary>
    public const long EncoderTokenId = 30523;
    /// <summary>[SEP]: generation stops when it is produced (transformers overrides the config's eos 2 with sep 102).</summary>
    public const long SeparatorTokenId = 102;
    public const long PadTokenId = 0;
    public const long UnknownTokenId = 100;
    public const long ClassifierTokenId = 101;
    public const long MaskTokenId = 103;
}
