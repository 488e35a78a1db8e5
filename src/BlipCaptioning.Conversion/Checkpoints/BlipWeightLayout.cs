namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>
/// The state-dict names and shapes of BlipForConditionalGeneration's captioning path (vision_model and
/// text_decoder), in transformers' <c>named_parameters()</c> order, as implied by a <see cref="BlipArchitecture"/>.
/// </summary>
public static class BlipWeightLayout
{
    /// <summary>The LM head's separate output bias (the one transformers keeps when it ties).</summary>
    public const string PredictionBias = "text_decoder.cls.predictions.bias";

    /// <summary>The output projection's bias; transformers ties it to <see cref="PredictionBias"/>.</summary>
    public const string DecoderBias = "text_decoder.cls.predictions.decoder.bias";

    /// <summary>The output projection (vocab × hidden); tied to <see cref="WordEmbeddings"/> when tie_word_embeddings is set.</summary>
    public const string DecoderWeight = "text_decoder.cls.predictions.decoder.weight";

    /// <summary>The decoder's word embeddings (vocab × hidden).</summary>
    public const string WordEmbeddings = "text_decoder.bert.embeddings.word_embeddings.weight";

    /// <summary>
    /// Every tensor of the captioning state dict, both LM-head biases included (93 tensors for 2 + 2 layers; the
    /// state dict torch.save writes and tiny-a's files hold).
    /// </summary>
    public static IReadOnlyList<TensorLayout> StateDict(BlipArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var result = new List<TensorLayout>();
        AddVision(result, architecture);
        AddText(result, architecture);
        return result;
    }

    /// <summary>
    /// The tensors save_pretrained stores: the state dict without <see cref="DecoderBias"/>, which is the same
    /// parameter as <see cref="PredictionBias"/> (247,414,076 values for the base model).
    /// </summary>
    public static IReadOnlyList<TensorLayout> Stored(BlipArchitecture architecture) =>
        StateDict(architecture).Where(item => item.Name != DecoderBias).ToList();

    /// <summary>The number of values in <paramref name="layout"/>, without allocating them.</summary>
    public static long CountParameters(IEnumerable<TensorLayout> layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return layout.Sum(item => item.ElementCount);
    }

    /// <summary>Whether the tensor is a LayerNorm weight or bias (random checkpoints initialise those differently).</summary>
    public static bool IsLayerNorm(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Contains("layer_norm", StringComparison.Ordinal)
            || name.Contains("LayerNorm", StringComparison.Ordinal)
            || name.Contains("post_layernorm", StringComparison.Ordinal);
    }

    private static void AddVision(List<TensorLayout> result, BlipArchitecture architecture)
    {
        var vision = architecture.Vision;
        var hidden = vision.HiddenSize;
        void Add(string name, params int[] shape) => result.Add(new TensorLayout("vision_model." + name, shape));

        Add("embeddings.class_embedding", 1, 1, hidden);
        Add("embeddings.position_embedding", 1, vision.Tokens, hidden);
        Add("embeddings.patch_embedding.weight", hidden, 3, vision.PatchSize, vision.PatchSize);
        Add("embeddings.patch_embedding.bias", hidden);
        for (var layer = 0; layer < vision.Layers; layer++)
        {
            var prefix = $"encoder.layers.{layer}.";
            Add(prefix + "self_attn.qkv.weight", 3 * hidden, hidden);
            Add(prefix + "self_attn.qkv.bias", 3 * hidden);
            Add(prefix + "self_attn.projection.weight", hidden, hidden);
            Add(prefix + "self_attn.projection.bias", hidden);
            Add(prefix + "layer_norm1.weight", hidden);
            Add(prefix + "layer_norm1.bias", hidden);
            Add(prefix + "mlp.fc1.weight", vision.IntermediateSize, hidden);
            Add(prefix + "mlp.fc1.bias", vision.IntermediateSize);
            Add(prefix + "mlp.fc2.weight", hidden, vision.IntermediateSize);
            Add(prefix + "mlp.fc2.bias", hidden);
            Add(prefix + "layer_norm2.weight", hidden);
            Add(prefix + "layer_norm2.bias", hidden);
        }

        Add("post_layernorm.weight", hidden);
        Add("post_layernorm.bias", hidden);
    }

    private static void AddText(List<TensorLayout> result, BlipArchitecture architecture)
    {
        var text = architecture.Text;
        var hidden = text.HiddenSize;
        void Add(string name, params int[] shape) => result.Add(new TensorLayout("text_decoder." + name, shape));
        void AddLinear(string name, int output, int input)
        {
            Add(name + ".weight", output, input);
            Add(name + ".bias", output);
        }

        void AddLayerNorm(string name)
        {
            Add(name + ".weight", hidden);
            Add(name + ".bias", hidden);
        }

        Add("bert.embeddings.word_embeddings.weight", text.VocabSize, hidden);
        Add("bert.embeddings.position_embeddings.weight", text.MaxPositions, hidden);
        AddLayerNorm("bert.embeddings.LayerNorm");
        for (var layer = 0; layer < text.Layers; layer++)
        {
            var prefix = $"bert.encoder.layer.{layer}.";
            AddLinear(prefix + "attention.self.query", hidden, hidden);
            AddLinear(prefix + "attention.self.key", hidden, hidden);
            AddLinear(prefix + "attention.self.value", hidden, hidden);
            AddLinear(prefix + "attention.output.dense", hidden, hidden);
            AddLayerNorm(prefix + "attention.output.LayerNorm");
            AddLinear(prefix + "crossattention.self.query", hidden, hidden);
            AddLinear(prefix + "crossattention.self.key", hidden, text.EncoderHiddenSize);
            AddLinear(prefix + "crossattention.self.value", hidden, text.EncoderHiddenSize);
            AddLinear(prefix + "crossattention.output.dense", hidden, hidden);
            AddLayerNorm(prefix + "crossattention.output.LayerNorm");
            AddLinear(prefix + "intermediate.dense", text.IntermediateSize, hidden);
            AddLinear(prefix + "output.dense", hidden, text.IntermediateSize);
            AddLayerNorm(prefix + "output.LayerNorm");
        }

        Add("cls.predictions.bias", text.VocabSize);
        AddLinear("cls.predictions.transform.dense", hidden, hidden);
        AddLayerNorm("cls.predictions.transform.LayerNorm");
        Add("cls.predictions.decoder.weight", text.VocabSize, hidden);
        Add("cls.predictions.decoder.bias", text.VocabSize);
    }
}
