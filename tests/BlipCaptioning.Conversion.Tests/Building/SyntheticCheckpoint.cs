using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Tests.Building;

/// <summary>
/// A BlipForConditionalGeneration checkpoint with seeded random weights under transformers' names and shapes
/// (the layout of tests/fixtures/transformers-tiny-a/reference/parameters.txt), for tests that need no reference.
/// </summary>
internal static class SyntheticCheckpoint
{
    public static BlipArchitecture TinyArchitecture(int textLayers = 2, int visionLayers = 1, int imageSize = 32, int patchSize = 16) => new(
        new VisionDimensions(imageSize, patchSize, HiddenSize: 24, Layers: visionLayers, Heads: 4, IntermediateSize: 40, LayerNormEps: 1e-5),
        new TextDimensions(HiddenSize: 16, Layers: textLayers, Heads: 2, IntermediateSize: 36, VocabSize: 30524, MaxPositions: 64, EncoderHiddenSize: 24, LayerNormEps: 1e-12),
        new SpecialTokenIds(BlipModelContract.DecoderStartTokenId, BlipModelContract.SeparatorTokenId, BlipModelContract.PadTokenId));

    public static BlipCheckpoint Create(BlipArchitecture architecture, int seed = 7)
    {
        var random = new Random(seed);
        var weights = new Dictionary<string, CheckpointTensor>(StringComparer.Ordinal);
        void Add(string name, float mean, float std, params int[] shape)
        {
            var data = new float[shape.Aggregate(1, (product, dim) => product * dim)];
            for (var i = 0; i < data.Length; i++)
            {
                // Box-Muller
                var u1 = 1.0 - random.NextDouble();
                var u2 = random.NextDouble();
                data[i] = mean + (std * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)));
            }

            weights[name] = new CheckpointTensor(name, shape, data);
        }

        void Linear(string prefix, int inFeatures, int outFeatures)
        {
            Add(prefix + ".weight", 0, 0.2f, outFeatures, inFeatures);
            Add(prefix + ".bias", 0, 0.2f, outFeatures);
        }

        void Norm(string prefix, int width)
        {
            Add(prefix + ".weight", 1, 0.1f, width);
            Add(prefix + ".bias", 0, 0.1f, width);
        }

        var v = architecture.Vision;
        Add("vision_model.embeddings.class_embedding", 0, 0.2f, 1, 1, v.HiddenSize);
        Add("vision_model.embeddings.position_embedding", 0, 0.2f, 1, v.Tokens, v.HiddenSize);
        Add("vision_model.embeddings.patch_embedding.weight", 0, 0.2f, v.HiddenSize, 3, v.PatchSize, v.PatchSize);
        Add("vision_model.embeddings.patch_embedding.bias", 0, 0.2f, v.HiddenSize);
        for (var i = 0; i < v.Layers; i++)
        {
            var p = $"vision_model.encoder.layers.{i}.";
            Linear(p + "self_attn.qkv", v.HiddenSize, 3 * v.HiddenSize);
            Linear(p + "self_attn.projection", v.HiddenSize, v.HiddenSize);
            Norm(p + "layer_norm1", v.HiddenSize);
            Linear(p + "mlp.fc1", v.HiddenSize, v.IntermediateSize);
            Linear(p + "mlp.fc2", v.IntermediateSize, v.HiddenSize);
            Norm(p + "layer_norm2", v.HiddenSize);
        }

        Norm("vision_model.post_layernorm", v.HiddenSize);

        var t = architecture.Text;
        Add("text_decoder.bert.embeddings.word_embeddings.weight", 0, 0.2f, t.VocabSize, t.HiddenSize);
        Add("text_decoder.bert.embeddings.position_embeddings.weight", 0, 0.2f, t.MaxPositions, t.HiddenSize);
        Norm("text_decoder.bert.embeddings.LayerNorm", t.HiddenSize);
        for (var i = 0; i < t.Layers; i++)
        {
            var p = $"text_decoder.bert.encoder.layer.{i}.";
            Linear(p + "attention.self.query", t.HiddenSize, t.HiddenSize);
            Linear(p + "attention.self.key", t.HiddenSize, t.HiddenSize);
            Linear(p + "attention.self.value", t.HiddenSize, t.HiddenSize);
            Linear(p + "attention.output.dense", t.HiddenSize, t.HiddenSize);
            Norm(p + "attention.output.LayerNorm", t.HiddenSize);
            Linear(p + "crossattention.self.query", t.HiddenSize, t.HiddenSize);
            Linear(p + "crossattention.self.key", t.EncoderHiddenSize, t.HiddenSize);
            Linear(p + "crossattention.self.value", t.EncoderHiddenSize, t.HiddenSize);
            Linear(p + "crossattention.output.dense", t.HiddenSize, t.HiddenSize);
            Norm(p + "crossattention.output.LayerNorm", t.HiddenSize);
            Linear(p + "intermediate.dense", t.HiddenSize, t.IntermediateSize);
            Linear(p + "output.dense", t.IntermediateSize, t.HiddenSize);
            Norm(p + "output.LayerNorm", t.HiddenSize);
        }

        Add("text_decoder.cls.predictions.bias", 0, 0.2f, t.VocabSize);
        Linear("text_decoder.cls.predictions.transform.dense", t.HiddenSize, t.HiddenSize);
        Norm("text_decoder.cls.predictions.transform.LayerNorm", t.HiddenSize);
        Add("text_decoder.cls.predictions.decoder.weight", 0, 1f, t.VocabSize, t.HiddenSize);
        weights["text_decoder.cls.predictions.decoder.bias"] = weights["text_decoder.cls.predictions.bias"] with { Name = "text_decoder.cls.predictions.decoder.bias" };
        return new BlipCheckpoint(architecture, weights, $"synthetic:seed{seed}")
        {
            Preprocessing = new PreprocessingSettings(architecture.Vision.ImageSize, BlipConfigReader.DefaultImageMean, BlipConfigReader.DefaultImageStd),
        };
    }
}
