using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Onnx;
using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Building;

/// <summary>
/// One step of BLIP's text decoder (transformers' <c>BlipTextLMHeadModel</c>) with a self-attention key/value cache
/// and precomputed cross-attention keys/values.
/// </summary>
/// <remarks>
/// Inputs, in order: input_ids int64 [batch, seq]; past.{i}.key, past.{i}.value float32 [batch, heads, past_seq, hd]
/// for every layer; cross.{i}.key, cross.{i}.value float32 [images, heads, tokens, hd] for every layer.
/// Outputs, in order: logits float32 [batch, vocab] (last position only); present.{i}.key, present.{i}.value
/// [batch, heads, past_seq + seq, hd] = concat(past, new) on axis 2.
/// batch = images × rows_per_image with rows grouped by image: queries are viewed as
/// [images, rows_per_image, heads, seq, hd] and multiplied against the cross keys broadcast over the rows, so every
/// row of an image (beams, repeated captions) reads the same single copy of that image's keys and values.
/// </remarks>
internal static class TextDecoderGraph
{
    private const string Prefix = "text_decoder.";

    /// <summary>transformers' additive mask value for positions a token may not attend to.</summary>
    private const float MaskedScore = -10000f;

    public static OnnxGraphBuilder Create(BlipCheckpoint checkpoint, QuantizationPlan plan)
    {
        var text = checkpoint.Architecture.Text;
        var weights = new CheckpointWeights(checkpoint, plan.Decoder, plan.BlockSize);
        var g = new OnnxGraphBuilder("blip_text_decoder");
        int d = text.HiddenSize, heads = text.Heads, headDim = text.HeadDim;

        var ids = g.Input(BlipModelContract.InputIds, OnnxElementType.Int64, "batch", "seq");
        var past = new (string Key, string Value)[text.Layers];
        for (var i = 0; i < text.Layers; i++)
        {
            past[i] = (g.Input(BlipModelContract.PastKey(i), OnnxElementType.Float32, "batch", heads, "past_seq", headDim),
                       g.Input(BlipModelContract.PastValue(i), OnnxElementType.Float32, "batch", heads, "past_seq", headDim));
        }

        var cross = new (string Key, string Value)[text.Layers];
        for (var i = 0; i < text.Layers; i++)
        {
            cross[i] = (g.Input(BlipModelContract.CrossKey(i), OnnxElementType.Float32, "images", heads, "tokens", headDim),
                        g.Input(BlipModelContract.CrossValue(i), OnnxElementType.Float32, "images", heads, "tokens", headDim));
        }

        g.Output(BlipModelContract.Logits, OnnxElementType.Float32, "batch", text.VocabSize);
        for (var i = 0; i < text.Layers; i++)
        {
            g.Output(BlipModelContract.PresentKey(i), OnnxElementType.Float32, "batch", heads, "past_seq + seq", headDim);
            g.Output(BlipModelContract.PresentValue(i), OnnxElementType.Float32, "batch", heads, "past_seq + seq", headDim);
        }

        // Lengths: past_seq from past.0.key, seq from input_ids; shapes used by the reshapes below.
        var pastLength = g.ShapeOf(past[0].Key, 2, 3);
        var totalLength = g.Add(pastLength, g.ShapeOf(ids, 1, 2));
        var hiddenShape = g.Concat(0, [g.ShapeOf(ids), g.Int64s(d)]);                       // [batch, seq, d]
        var groupedQueryShape = plan.FusedAttention
            ? null
            : g.Concat(0, [g.ShapeOf(cross[0].Key, 0, 1), g.Int64s(-1), g.ShapeOf(ids, 1, 2), g.Int64s(heads, headDim)]);

        // The LM head's output projection [vocab, d] is tied to the word embeddings in BLIP's checkpoints (and then
        // stored twice or not at all); when the values are equal and both are blockwise 8-bit, one table serves both.
        var embeddingName = Prefix + "bert.embeddings.word_embeddings.weight";
        var embeddingTable = weights.Get(embeddingName, text.VocabSize, d);
        var projectionName = weights.Contains(Prefix + "cls.predictions.decoder.weight") ? Prefix + "cls.predictions.decoder.weight" : embeddingName;
        var projection = weights.Get(projectionName, text.VocabSize, d);
        var tied = ReferenceEquals(projection, embeddingTable) || projection.AsSpan().SequenceEqual(embeddingTable);
        BlockwiseMatrix? quantizedTable = plan.QuantizedEmbeddings ? weights.AddBlockwise(g, embeddingName, embeddingTable, text.VocabSize, d) : null;

        // Embeddings: word + absolute positions past_seq .. past_seq + seq - 1, then LayerNorm (no token types).
        var words = quantizedTable is null
            ? g.Gather(weights.Tensor(g, embeddingName, text.VocabSize, d), ids)
            : GatherBlockwise(g, quantizedTable, ids, d);
        var positionTable = weights.Tensor(g, Prefix + "bert.embeddings.position_embeddings.weight", text.MaxPositions, d);
        var positions = g.Node("Slice", [positionTable, pastLength, totalLength, g.Int64s(0)]);
        var x = weights.LayerNorm(g, g.Add(words, positions), Prefix + "bert.embeddings.LayerNorm", d, text.LayerNormEps);

        var mask = CausalMask(g, past[0].Key, ids);
        var scale = plan.FusedAttention ? null : g.FloatScalar((float)Math.Sqrt(headDim));
        var attentionBias = plan.FusedAttention ? g.Unsqueeze(mask, 0, 1) : null; // [1, 1, seq, past_seq + seq]
        for (var i = 0; i < text.Layers; i++)
        {
            var prefix = $"{Prefix}bert.encoder.layer.{i}.";
            if (attentionBias is not null)
            {
                x = FusedSelfAttention(g, weights, text, x, prefix, past[i], attentionBias, i);
                x = FusedCrossAttention(g, weights, text, x, prefix, cross[i], hiddenShape);
            }
            else
            {
                x = SelfAttention(g, weights, text, x, prefix, past[i], mask, scale!, i);
                x = CrossAttention(g, weights, text, x, prefix, cross[i], scale!, groupedQueryShape!, hiddenShape);
            }

            var intermediate = g.Gelu(weights.Linear(g, x, prefix + "intermediate.dense", d, text.IntermediateSize));
            var output = g.Add(weights.Linear(g, intermediate, prefix + "output.dense", text.IntermediateSize, d), x);
            x = weights.LayerNorm(g, output, prefix + "output.LayerNorm", d, text.LayerNormEps);
        }

        // LM head on the last position only: transform (dense, GELU, LayerNorm), then the vocabulary projection.
        var last = g.GatherAt(x, -1, 1);
        var transformed = g.Gelu(weights.Linear(g, last, Prefix + "cls.predictions.transform.dense", d, d));
        transformed = weights.LayerNorm(g, transformed, Prefix + "cls.predictions.transform.LayerNorm", d, text.LayerNormEps);
        var biasName = weights.Contains(Prefix + "cls.predictions.bias") ? Prefix + "cls.predictions.bias" : Prefix + "cls.predictions.decoder.bias";
        string AddBias() => weights.Tensor(g, biasName, text.VocabSize);
        if (tied && quantizedTable is not null && weights.LinearFormat == LinearFormat.Blockwise)
        {
            CheckpointWeights.MatMulNBits(g, transformed, quantizedTable, AddBias(), BlipModelContract.Logits);
        }
        else
        {
            weights.Project(g, transformed, Prefix + "cls.predictions.decoder.weight", projection, d, text.VocabSize, AddBias, BlipModelContract.Logits);
        }

        return g;
    }

    /// <summary>
    /// Rows of a blockwise 8-bit table [vocab, blocks, block] as float32 [batch, seq, width]:
    /// (code − 128) × the row's block scale, the padding of a last partial block cut off.
    /// </summary>
    private static string GatherBlockwise(OnnxGraphBuilder g, BlockwiseMatrix table, string ids, int width)
    {
        var codes = g.Node("Cast", [g.Gather(table.Codes, ids)], [OnnxAttribute.Int("to", (long)OnnxElementType.Float32)]); // [batch, seq, blocks, block]
        var centred = g.Node("Sub", [codes, g.FloatScalar(WeightQuantizer.BlockwiseZeroPoint)]);
        var scales = g.Unsqueeze(g.Gather(table.Scales, ids), -1);                                                         // [batch, seq, blocks, 1]
        var values = g.Reshape(g.Mul(centred, scales), 0, 0, (long)table.Blocks * table.BlockSize);
        return table.Blocks * table.BlockSize == width
            ? values
            : g.Node("Slice", [values, g.Int64s(0), g.Int64s(width), g.Int64s(-1)]);
    }

    /// <summary>
    /// Additive mask [seq, past_seq + seq]: new token j sees every past token and the new tokens up to j (0), nothing
    /// after it (-10000, as transformers).
    /// </summary>
    private static string CausalMask(OnnxGraphBuilder g, string pastKey, string ids)
    {
        var pastLength = g.GatherAt(g.ShapeOf(pastKey), 2, 0);
        var totalLength = g.Add(pastLength, g.GatherAt(g.ShapeOf(ids), 1, 0));
        var one = g.Int64Scalar(1);
        var keyPositions = g.Node("Range", [g.Int64Scalar(0), totalLength, one]);
        var queryPositions = g.Unsqueeze(g.Node("Range", [pastLength, totalLength, one]), 1);
        var visible = g.Node("LessOrEqual", [keyPositions, queryPositions]);
        return g.Node("Where", [visible, g.FloatScalar(0f), g.FloatScalar(MaskedScore)]);
    }

    private static string SplitHeads(OnnxGraphBuilder g, string x, TextDimensions text) =>
        g.Transpose(g.Reshape(x, 0, 0, text.Heads, text.HeadDim), 0, 2, 1, 3);

    private static string SelfAttention(OnnxGraphBuilder g, CheckpointWeights weights, TextDimensions text, string x, string prefix,
        (string Key, string Value) past, string mask, string scale, int layer)
    {
        var d = text.HiddenSize;
        var q = SplitHeads(g, weights.Linear(g, x, prefix + "attention.self.query", d, d), text);
        var k = SplitHeads(g, weights.Linear(g, x, prefix + "attention.self.key", d, d), text);
        var v = SplitHeads(g, weights.Linear(g, x, prefix + "attention.self.value", d, d), text);
        var keys = g.Concat(2, [past.Key, k], BlipModelContract.PresentKey(layer));
        var values = g.Concat(2, [past.Value, v], BlipModelContract.PresentValue(layer));

        var scores = g.Add(g.Div(g.MatMul(q, g.Transpose(keys, 0, 1, 3, 2)), scale), mask);
        var context = g.MatMul(g.Softmax(scores), values);
        var merged = g.Reshape(g.Transpose(context, 0, 2, 1, 3), 0, 0, d);
        var output = g.Add(weights.Linear(g, merged, prefix + "attention.output.dense", d, d), x);
        return weights.LayerNorm(g, output, prefix + "attention.output.LayerNorm", d, text.LayerNormEps);
    }

    /// <summary>
    /// Self-attention with ONNX Runtime's MultiHeadAttention: q, k, v [batch, seq, d], the cache in the contract's
    /// layout [batch, heads, past_seq, hd] as past_key/past_value, present_key/present_value written as the graph's
    /// present outputs, and the causal mask as an additive attention bias [1, 1, seq, past_seq + seq].
    /// </summary>
    private static string FusedSelfAttention(OnnxGraphBuilder g, CheckpointWeights weights, TextDimensions text, string x, string prefix,
        (string Key, string Value) past, string mask, int layer)
    {
        var d = text.HiddenSize;
        // One projection for query, key and value (their weights stacked [3d, d]): a third of the nodes for the same
        // arithmetic, each output feature quantized on its own as before.
        string[] parts = ["query", "key", "value"];
        var weight = parts.SelectMany(part => weights.Get($"{prefix}attention.self.{part}.weight", d, d)).ToArray();
        var bias = parts.SelectMany(part => weights.Get($"{prefix}attention.self.{part}.bias", d)).ToArray();
        var qkv = weights.Project(g, x, prefix + "attention.self.qkv.weight", weight, d, 3 * d,
            () => g.Initializer(prefix + "attention.self.qkv.bias", OnnxTensorData.Floats(bias, 3 * d)));
        var split = g.Node("Split", [qkv, g.Int64s(d, d, d)], 3, [OnnxAttribute.Int("axis", -1)]);
        var (q, k, v) = (split[0], split[1], split[2]);
        var outputs = g.Node("MultiHeadAttention", [q, k, v, string.Empty, string.Empty, mask, past.Key, past.Value], 3,
            [OnnxAttribute.Int("num_heads", text.Heads)],
            [null, BlipModelContract.PresentKey(layer), BlipModelContract.PresentValue(layer)], OnnxDomains.Microsoft);
        var output = g.Add(weights.Linear(g, outputs[0], prefix + "attention.output.dense", d, d), x);
        return weights.LayerNorm(g, output, prefix + "attention.output.LayerNorm", d, text.LayerNormEps);
    }

    /// <summary>
    /// Cross-attention with ONNX Runtime's MultiHeadAttention. The rows of an image attend to the same keys without a
    /// mask, so they are folded into the query's sequence axis, [images, rows × seq, d], against the image's single
    /// copy of the cross keys and values [images, heads, tokens, hd].
    /// </summary>
    private static string FusedCrossAttention(OnnxGraphBuilder g, CheckpointWeights weights, TextDimensions text, string x, string prefix,
        (string Key, string Value) cross, string hiddenShape)
    {
        var d = text.HiddenSize;
        var queryShape = g.Concat(0, [g.ShapeOf(cross.Key, 0, 1), g.Int64s(-1, d)]);
        var q = g.ReshapeTo(weights.Linear(g, x, prefix + "crossattention.self.query", d, d), queryShape);
        var context = g.Node("MultiHeadAttention", [q, cross.Key, cross.Value], [OnnxAttribute.Int("num_heads", text.Heads)], domain: OnnxDomains.Microsoft);
        var merged = g.ReshapeTo(context, hiddenShape);
        var output = g.Add(weights.Linear(g, merged, prefix + "crossattention.output.dense", d, d), x);
        return weights.LayerNorm(g, output, prefix + "crossattention.output.LayerNorm", d, text.LayerNormEps);
    }

    private static string CrossAttention(OnnxGraphBuilder g, CheckpointWeights weights, TextDimensions text, string x, string prefix,
        (string Key, string Value) cross, string scale, string groupedQueryShape, string hiddenShape)
    {
        var d = text.HiddenSize;
        // [batch, seq, d] → [images, rows, seq, heads, hd] → [images, rows, heads, seq, hd]
        var q = g.Transpose(g.ReshapeTo(weights.Linear(g, x, prefix + "crossattention.self.query", d, d), groupedQueryShape), 0, 1, 3, 2, 4);
        var keysT = g.Transpose(g.Unsqueeze(cross.Key, 1), 0, 1, 2, 4, 3); // [images, 1, heads, hd, tokens]
        var values = g.Unsqueeze(cross.Value, 1);                          // [images, 1, heads, tokens, hd]

        var scores = g.Div(g.MatMul(q, keysT), scale);                     // [images, rows, heads, seq, tokens]
        var context = g.MatMul(g.Softmax(scores), values);                 // [images, rows, heads, seq, hd]
        var merged = g.ReshapeTo(g.Transpose(context, 0, 1, 3, 2, 4), hiddenShape);
        var output = g.Add(weights.Linear(g, merged, prefix + "crossattention.output.dense", d, d), x);
        return weights.LayerNorm(g, output, prefix + "crossattention.output.LayerNorm", d, text.LayerNormEps);
    }
}
