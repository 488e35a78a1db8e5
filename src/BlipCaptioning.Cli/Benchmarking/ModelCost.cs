using BlipCaptioning.Model;

namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>
/// Multiply-accumulates (MACs) of the project's three graphs, counted from the manifest's dimensions: every MatMul,
/// Gemm-like Linear and the patch Conv. LayerNorm, Softmax, GELU, adds and gathers are not counted (they are a few
/// percent of the time and no MACs). One MAC = 2 FLOPs.
/// </summary>
/// <remarks>
/// The counts follow the graphs in src/BlipCaptioning.Conversion/Building: the vision encoder is a pre-norm ViT over
/// <c>tokens = (image/patch)^2 + 1</c> tokens; text_cross_kv projects the image embeddings to every decoder layer's
/// cross-attention keys and values once per image; one decoder step with <c>seq</c> new tokens and <c>past</c> cached
/// ones runs self-attention (q, k, v, output projections and the scores/context over past + seq keys), cross-attention
/// (q and output projections, scores/context over the image tokens), the MLP, and the LM head on the last position only.
/// For BLIP base: vision 55.47 GMAC, cross K/V 8.17 GMAC, 133.8 MMAC per generated token, 66.2 GMAC per greedy caption
/// of 19 tokens.
/// </remarks>
internal sealed class ModelCost
{
    public ModelCost(VisionDimensions vision, TextDimensions text)
    {
        ArgumentNullException.ThrowIfNull(vision);
        ArgumentNullException.ThrowIfNull(text);
        Vision = vision;
        Text = text;
    }

    public ModelCost(BlipModelManifest manifest)
        : this((manifest ?? throw new ArgumentNullException(nameof(manifest))).Vision, manifest.Text)
    {
    }

    public VisionDimensions Vision { get; }

    public TextDimensions Text { get; }

    /// <summary>Image tokens the decoder attends to (patches + class token).</summary>
    public int ImageTokens => Vision.Tokens;

    /// <summary>MACs of the vision encoder for one image.</summary>
    public long VisionMacs
    {
        get
        {
            long d = Vision.HiddenSize, inner = Vision.IntermediateSize, tokens = Vision.Tokens, p = Vision.PatchSize;
            long patches = tokens - 1;
            long patchEmbedding = patches * d * 3 * p * p;
            long projections = tokens * ((3 * d * d) + (d * d) + (2 * d * inner)); // qkv, output projection, fc1, fc2
            long attention = 2 * tokens * tokens * d;                              // q·kᵀ and softmax·v over all heads
            return patchEmbedding + (Vision.Layers * (projections + attention));
        }
    }

    /// <summary>MACs of text_cross_kv for one image: a key and a value projection per decoder layer.</summary>
    public long CrossKvMacs => (long)Text.Layers * 2 * Vision.Tokens * Text.EncoderHiddenSize * Text.HiddenSize;

    /// <summary>MACs of one decoder step for one row: <paramref name="sequence"/> new tokens after <paramref name="past"/> cached ones.</summary>
    public long DecoderStepMacs(int past, int sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(past);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequence);
        long d = Text.HiddenSize, inner = Text.IntermediateSize, seq = sequence;
        long projections = seq * ((4 * d * d) + (2 * d * d) + (2 * d * inner)); // self q, k, v, o; cross q, o; fc1, fc2
        long selfAttention = 2 * seq * (past + seq) * d;
        long crossAttention = 2 * seq * (long)Vision.Tokens * d;
        long head = (d * d) + (d * (long)Text.VocabSize); // transform dense + vocabulary projection, last position only
        return (Text.Layers * (projections + selfAttention + crossAttention)) + head;
    }

    /// <summary>
    /// Weights a decoder step multiplies by: every Linear layer of every decoder layer (self-attention q, k, v, o;
    /// cross-attention q, o; fc1, fc2), the LM head's transform and its vocabulary projection. A step over one token
    /// reads each of them once (the word embeddings are gathered, one row per token, and not counted).
    /// </summary>
    public long DecoderStepWeights
    {
        get
        {
            long d = Text.HiddenSize, inner = Text.IntermediateSize;
            return (Text.Layers * ((6 * d * d) + (2 * d * inner))) + (d * d) + (d * (long)Text.VocabSize);
        }
    }

    /// <summary>
    /// Bytes one decoder step over one token must read from memory: its weights (float32: 4 bytes each; int8: one
    /// byte each plus a float32 scale per block of 128) and the image's cross-attention keys and values (float32 in
    /// both precisions). A step cannot be faster than these bytes at the machine's memory bandwidth.
    /// </summary>
    public long DecoderStepBytes(string precision)
    {
        long weights = precision == "int8" ? DecoderStepWeights + (DecoderStepWeights * sizeof(float) / 128) : DecoderStepWeights * sizeof(float);
        long crossKv = (long)Text.Layers * 2 * Vision.Tokens * Text.HiddenSize * sizeof(float);
        return weights + crossKv;
    }

    /// <summary>MACs of one decoder step with the self-attention cache, one new token after <paramref name="past"/> cached ones.</summary>
    public long TokenMacs(int past) => DecoderStepMacs(past, 1);

    /// <summary>
    /// MACs of the decoding of one greedy caption with the caches: a first step over the <paramref name="promptLength"/>
    /// start ids ([DEC] and the prompt), then one step per further token, <paramref name="steps"/> steps in all.
    /// </summary>
    public long DecodeMacs(int steps, int promptLength = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(promptLength);
        long total = 0;
        for (int step = 0; step < steps; step++)
        {
            total += step == 0 ? DecoderStepMacs(0, promptLength) : DecoderStepMacs(promptLength + step - 1, 1);
        }

        return total;
    }

    /// <summary>MACs of a whole greedy caption of one image: vision, cross K/V once, <paramref name="steps"/> decoder steps.</summary>
    public long CaptionMacs(int steps, int promptLength = 1) => VisionMacs + CrossKvMacs + DecodeMacs(steps, promptLength);

    /// <summary>
    /// MACs of the same caption without any cache (the naive baseline): every step recomputes the cross-attention
    /// keys/values and runs the decoder over the whole sequence so far.
    /// </summary>
    public long NaiveCaptionMacs(int steps, int promptLength = 1)
    {
        long total = VisionMacs;
        for (int step = 0; step < steps; step++)
        {
            total += CrossKvMacs + DecoderStepMacs(0, promptLength + step);
        }

        return total;
    }
}
