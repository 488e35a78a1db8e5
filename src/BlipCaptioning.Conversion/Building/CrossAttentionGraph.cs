using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Onnx;
using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Building;

/// <summary>
/// The cross-attention key/value graph: image_embeds [images, tokens, Dv] → cross.{i}.key / cross.{i}.value
/// [images, heads, tokens, head_dim] for every decoder layer, the projections transformers' decoder applies to
/// <c>encoder_hidden_states</c> in each layer's cross-attention. Run once per image.
/// </summary>
internal static class CrossAttentionGraph
{
    public static OnnxGraphBuilder Create(BlipCheckpoint checkpoint, QuantizationPlan plan)
    {
        var text = checkpoint.Architecture.Text;
        var weights = new CheckpointWeights(checkpoint, plan.CrossAttention, plan.BlockSize);
        var g = new OnnxGraphBuilder("blip_text_cross_kv");

        var embeds = g.Input(BlipModelContract.ImageEmbeds, OnnxElementType.Float32, "images", "tokens", text.EncoderHiddenSize);
        for (var layer = 0; layer < text.Layers; layer++)
        {
            var prefix = $"text_decoder.bert.encoder.layer.{layer}.crossattention.self.";
            Project(g, weights, text, embeds, prefix + "key", BlipModelContract.CrossKey(layer));
            Project(g, weights, text, embeds, prefix + "value", BlipModelContract.CrossValue(layer));
        }

        return g;
    }

    private static void Project(OnnxGraphBuilder g, CheckpointWeights weights, TextDimensions text, string embeds, string prefix, string output)
    {
        var projected = weights.Linear(g, embeds, prefix, text.EncoderHiddenSize, text.HiddenSize);
        var split = g.Reshape(projected, 0, 0, text.Heads, text.HeadDim);
        g.Node("Transpose", [split], [OnnxAttribute.Ints("perm", 0, 2, 1, 3)], output);
        g.Output(output, OnnxElementType.Float32, "images", text.Heads, "tokens", text.HeadDim);
    }
}
