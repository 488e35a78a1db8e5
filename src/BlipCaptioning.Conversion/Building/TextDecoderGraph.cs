using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Onnx;
using BlipCaptioning.Inference;

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

    public static OnnxGraphBuilder Create(BlipCheckpoint checkpoint)
    {
        var text = checkpoint.Architecture.Text;
        var weights = new CheckpointWeights(checkpoint);
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
        var groupedQueryShape = g.Concat(0, [g.ShapeOf(cross[0].Key, 0, 1), g.Int64s(-1), g.ShapeOf(ids, 1, 2), g.Int64s(heads, headDim)]);

        // Embeddings: word + absolute positions past_seq .. past_seq + seq - 1, then LayerNorm (no token types).
        var words = g.Gather(weights.Tensor(g, Prefix + "bert.embeddings.word_embeddings.weight", text.VocabSize, d), ids);
        var positionTable = weights.Tensor(g, Prefix + "bert.embeddings.position_embeddings.weight", text.MaxPositions, d);
        var positions = g.Node("Slice", [positionTable, pastLength, totalLength, g.Int64s(0)]);
        var x = weights.LayerNorm(g, g.Add(words, positions), Prefix + "bert.embeddings.LayerNorm", d, text.LayerNormEps);

        var mask = CausalMask(g, past[0].Key, ids);
        var scale = g.FloatScalar((float)Math.Sqrt(headDim));
        for (var i = 0; i < text.Layers; i++)
        {
            var prefix = $"{Prefix}bert.encoder.layer.{i}.";
            x = SelfAttention(g, weights, text, x, prefix, past[i], mask, scale, i);
            x = CrossAttention(g, weights, text, x, prefix, cross[i], scale, groupedQueryShape, hiddenShape);
            var intermediate = g.Gelu(weights.Linear(g, x, prefix + "intermediate.dense", d, text.IntermediateSize));
            var output = g.Add(weights.Linear(g, intermediate, prefix + "output.dense", text.IntermediateSize, d), x);
            x = weights.LayerNorm(g, output, prefix + "output.LayerNorm", d, text.LayerNormEps);
        }

        // LM head on the last position only: transform (dense, GELU, LayerNorm), then the vocabulary projection.
        var last = g.GatherAt(x, -1, 1);
        var transformed = g.Gelu(weights.Linear(g, last, Prefix + "cls.predictions.transform.dense", d, d));
        transformed = weights.LayerNorm(g, transformed, Prefix + "cls.predictions.transform.LayerNorm", d, text.LayerNormEps);
        var projection = weights.Contains(Prefix + "cls.predictions.decoder.weight")
            ? Prefix + "cls.predictions.decoder.weight"
            : Prefix + "bert.embeddings.word_embeddings.weight"; // tied to the word embeddings when not stored
        var decoderWeight = g.Initializer(Prefix + "cls.predictions.decoder.weight",
            OnnxTensorData.TransposedMatrix(weights.Get(projection, text.VocabSize, d), text.VocabSize, d));
        var biasName = weights.Contains(Prefix + "cls.predictions.bias") ? Prefix + "cls.predictions.bias" : Prefix + "cls.predictions.decoder.bias";
        g.Add(g.MatMul(transformed, decoderWeight), weights.Tensor(g, biasName, text.VocabSize), BlipModelContract.Logits);
        return g;
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
