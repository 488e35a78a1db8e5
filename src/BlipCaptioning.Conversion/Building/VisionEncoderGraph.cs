using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Onnx;
using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Building;

/// <summary>
/// The vision encoder graph: pixel_values [batch, 3, S, S] → image_embeds [batch, tokens, Dv], transformers'
/// <c>BlipVisionModel(...)[0]</c> (the post-LayerNorm last hidden state).
/// </summary>
internal static class VisionEncoderGraph
{
    private const string Prefix = "vision_model.";

    public static OnnxGraphBuilder Create(BlipCheckpoint checkpoint, QuantizationPlan plan)
    {
        var vision = checkpoint.Architecture.Vision;
        var weights = new CheckpointWeights(checkpoint, plan.Vision, plan.BlockSize);
        var g = new OnnxGraphBuilder("blip_vision_encoder");
        int d = vision.HiddenSize, p = vision.PatchSize, tokens = vision.Tokens;

        var pixels = g.Input(BlipModelContract.PixelValues, OnnxElementType.Float32, "batch", 3, vision.ImageSize, vision.ImageSize);

        // Patch embedding: Conv (kernel = stride = patch) with bias → [batch, D, G, G] → [batch, G·G, D] (row-major patches).
        var convWeight = weights.Tensor(g, Prefix + "embeddings.patch_embedding.weight", d, 3, p, p);
        var convBias = weights.Tensor(g, Prefix + "embeddings.patch_embedding.bias", d);
        var patches = g.Node("Conv", [pixels, convWeight, convBias],
            [OnnxAttribute.Ints("kernel_shape", p, p), OnnxAttribute.Ints("strides", p, p)]);
        var flat = g.Transpose(g.Reshape(patches, 0, d, -1), 0, 2, 1);

        // Class token, expanded to the batch, in front of the patches; then the position embedding.
        var classToken = weights.Tensor(g, Prefix + "embeddings.class_embedding", 1, 1, d);
        var classShape = g.Concat(0, [g.ShapeOf(pixels, 0, 1), g.Int64s(1, d)]);
        var classTokens = g.Node("Expand", [classToken, classShape]);
        var embeddings = g.Concat(1, [classTokens, flat]);
        var positions = weights.Tensor(g, Prefix + "embeddings.position_embedding", 1, tokens, d);
        var x = g.Add(embeddings, positions);

        for (var layer = 0; layer < vision.Layers; layer++)
        {
            x = EncoderLayer(g, weights, vision, x, $"{Prefix}encoder.layers.{layer}.", plan.FusedAttention);
        }

        weights.LayerNorm(g, x, Prefix + "post_layernorm", d, vision.LayerNormEps, BlipModelContract.ImageEmbeds);
        g.Output(BlipModelContract.ImageEmbeds, OnnxElementType.Float32, "batch", tokens, d);
        return g;
    }

    /// <summary>A pre-norm ViT block: x + proj(MHSA(LN1(x))), then x + fc2(GELU(fc1(LN2(x)))).</summary>
    private static string EncoderLayer(OnnxGraphBuilder g, CheckpointWeights weights, VisionDimensions vision, string x, string prefix, bool fusedAttention)
    {
        int d = vision.HiddenSize, heads = vision.Heads, headDim = d / heads;

        var normed = weights.LayerNorm(g, x, prefix + "layer_norm1", d, vision.LayerNormEps);
        // The fused qkv output is laid out [3][heads][head_dim].
        var projected = weights.Linear(g, normed, prefix + "self_attn.qkv", d, 3 * d);
        string merged;
        if (fusedAttention)
        {
            // q, k, v [batch, tokens, d] each; MultiHeadAttention splits heads and scales by 1/sqrt(head_dim) itself.
            var parts = g.Node("Split", [projected, g.Int64s(d, d, d)], 3, [OnnxAttribute.Int("axis", -1)]);
            merged = g.Node("MultiHeadAttention", [parts[0], parts[1], parts[2]], [OnnxAttribute.Int("num_heads", heads)], domain: OnnxDomains.Microsoft);
        }
        else
        {
            var qkv = g.Reshape(projected, 0, 0, 3, heads, headDim);
            var q = g.Transpose(g.GatherAt(qkv, 0, 2), 0, 2, 1, 3);  // [batch, heads, tokens, hd]
            var kT = g.Transpose(g.GatherAt(qkv, 1, 2), 0, 2, 3, 1); // [batch, heads, hd, tokens]
            var v = g.Transpose(g.GatherAt(qkv, 2, 2), 0, 2, 1, 3);  // [batch, heads, tokens, hd]

            var scores = g.Mul(g.MatMul(q, kT), g.FloatScalar((float)Math.Pow(headDim, -0.5)));
            var context = g.MatMul(g.Softmax(scores), v);
            merged = g.Reshape(g.Transpose(context, 0, 2, 1, 3), 0, 0, d);
        }

        x = g.Add(weights.Linear(g, merged, prefix + "self_attn.projection", d, d), x);

        var normed2 = weights.LayerNorm(g, x, prefix + "layer_norm2", d, vision.LayerNormEps);
        var hidden = g.Gelu(weights.Linear(g, normed2, prefix + "mlp.fc1", d, vision.IntermediateSize));
        return g.Add(weights.Linear(g, hidden, prefix + "mlp.fc2", vision.IntermediateSize, d), x);
    }
}
