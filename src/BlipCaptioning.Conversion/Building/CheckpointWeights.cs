using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Onnx;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Conversion.Building;

/// <summary>
/// Takes weights out of a checkpoint by their transformers names, checks their shapes against the architecture,
/// and adds them to a graph as initializers.
/// </summary>
internal sealed class CheckpointWeights(BlipCheckpoint checkpoint)
{
    public bool Contains(string name) => checkpoint.Weights.ContainsKey(name);

    /// <summary>The weight's values after checking that its torch shape is exactly <paramref name="shape"/>.</summary>
    public float[] Get(string name, params int[] shape)
    {
        if (!checkpoint.Weights.TryGetValue(name, out var tensor))
        {
            throw new CaptioningException(
                $"The checkpoint '{checkpoint.Source}' has no weight named '{name}'. Is it a BlipForConditionalGeneration (image captioning) checkpoint?");
        }

        if (!tensor.Shape.SequenceEqual(shape))
        {
            throw new CaptioningException(
                $"The checkpoint weight '{name}' has shape [{string.Join(", ", tensor.Shape)}] but config.json implies [{string.Join(", ", shape)}]. " +
                "The config and the weights do not belong together.");
        }

        if (tensor.Data.LongLength != shape.Aggregate(1L, (product, dim) => product * dim))
        {
            throw new CaptioningException($"The checkpoint weight '{name}' holds {tensor.Data.LongLength} values, which does not match its shape.");
        }

        return tensor.Data;
    }

    /// <summary>Adds a 1-D or N-D weight as it is.</summary>
    public string Tensor(OnnxGraphBuilder g, string name, params int[] shape) =>
        g.Initializer(name, OnnxTensorData.Floats(Get(name, shape), [.. shape.Select(dim => (long)dim)]));

    /// <summary>
    /// A torch Linear <c>{prefix}.weight</c> [out, in] and <c>{prefix}.bias</c> [out] applied to the last axis of x:
    /// MatMul with the pre-transposed weight, then Add the bias.
    /// </summary>
    public string Linear(OnnxGraphBuilder g, string x, string prefix, int inFeatures, int outFeatures)
    {
        var weight = g.Initializer(prefix + ".weight", OnnxTensorData.TransposedMatrix(Get(prefix + ".weight", outFeatures, inFeatures), outFeatures, inFeatures));
        var bias = Tensor(g, prefix + ".bias", outFeatures);
        return g.Add(g.MatMul(x, weight), bias);
    }

    /// <summary>LayerNormalization over the last axis with <c>{prefix}.weight</c> and <c>{prefix}.bias</c>.</summary>
    public string LayerNorm(OnnxGraphBuilder g, string x, string prefix, int width, double epsilon, string? output = null) =>
        g.LayerNorm(x, Tensor(g, prefix + ".weight", width), Tensor(g, prefix + ".bias", width), epsilon, output);
}
