using BlipCaptioning.Model;

namespace BlipCaptioning.Tests.Inference;

/// <summary>A manifest as `blip model build` writes it for a 2-layer text decoder (hidden 32, 4 heads, vision hidden 48).</summary>
internal static class TestManifests
{
    public static BlipModelManifest Tiny() => new()
    {
        Source = "test",
        Vision = new VisionDimensions(384, 16, 48, 2, 4, 100, 1e-5),
        Text = new TextDimensions(32, 2, 4, 72, 30524, 512, 48, 1e-12),
        Tokens = new SpecialTokenIds(30522, 102, 0),
        Generation = new GenerationDefaults(),
        Preprocessing = new PreprocessingSettings(384, [0.48145466f, 0.4578275f, 0.40821073f], [0.26862954f, 0.26130258f, 0.27577711f]),
        Graphs = new Dictionary<string, GraphSignature>
        {
            ["vision_encoder"] = new("vision_encoder.onnx", null,
                [T("pixel_values", "float32", "batch", "3", "384", "384")],
                [T("image_embeds", "float32", "batch", "577", "48")]),
            ["text_cross_kv"] = new("text_cross_kv.onnx", null,
                [T("image_embeds", "float32", "images", "tokens", "48")],
                [
                    T("cross.0.key", "float32", "images", "4", "tokens", "8"), T("cross.0.value", "float32", "images", "4", "tokens", "8"),
                    T("cross.1.key", "float32", "images", "4", "tokens", "8"), T("cross.1.value", "float32", "images", "4", "tokens", "8"),
                ]),
            ["text_decoder"] = new("text_decoder.onnx", null,
                [
                    T("input_ids", "int64", "batch", "seq"),
                    T("past.0.key", "float32", "batch", "4", "past_seq", "8"), T("past.0.value", "float32", "batch", "4", "past_seq", "8"),
                    T("past.1.key", "float32", "batch", "4", "past_seq", "8"), T("past.1.value", "float32", "batch", "4", "past_seq", "8"),
                    T("cross.0.key", "float32", "images", "4", "tokens", "8"), T("cross.0.value", "float32", "images", "4", "tokens", "8"),
                    T("cross.1.key", "float32", "images", "4", "tokens", "8"), T("cross.1.value", "float32", "images", "4", "tokens", "8"),
                ],
                [
                    T("logits", "float32", "batch", "30524"),
                    T("present.0.key", "float32", "batch", "4", "past_seq + seq", "8"), T("present.0.value", "float32", "batch", "4", "past_seq + seq", "8"),
                    T("present.1.key", "float32", "batch", "4", "past_seq + seq", "8"), T("present.1.value", "float32", "batch", "4", "past_seq + seq", "8"),
                ]),
        },
    };

    public static BlipModelManifest WithGraph(this BlipModelManifest manifest, string role, Func<GraphSignature, GraphSignature> change)
    {
        var graphs = new Dictionary<string, GraphSignature>(manifest.Graphs);
        graphs[role] = change(graphs[role]);
        return manifest with { Graphs = graphs };
    }

    public static GraphSignature ReplaceInput(this GraphSignature graph, string name, TensorSignature replacement) =>
        graph with { Inputs = [.. graph.Inputs.Select(t => t.Name == name ? replacement : t)] };

    public static GraphSignature ReplaceOutput(this GraphSignature graph, string name, TensorSignature replacement) =>
        graph with { Outputs = [.. graph.Outputs.Select(t => t.Name == name ? replacement : t)] };

    public static TensorSignature T(string name, string type, params string[] shape) => new(name, type, shape);
}
