using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using BlipCaptioning.Conversion.Checkpoints;

namespace BlipCaptioning.Cli.Commands;

/// <summary><c>blip model build --from CHECKPOINT_DIR --out DIR</c>: converts a Hugging Face BLIP checkpoint folder into a model folder.</summary>
internal static class ModelBuildCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from")
        {
            Description = "A BlipForConditionalGeneration checkpoint folder as the hub holds it: config.json and model.safetensors or pytorch_model.bin (+ vocab.txt, preprocessor_config.json).",
            Required = true,
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "The model folder to write (created, or replaced atomically): blip-model.json, the three ONNX graphs with their weights, vocab.txt.",
            Required = true,
        };
        var precision = new Option<string>("--precision")
        {
            Description = "Weight precision of the graphs: fp32 (token-exact with transformers) or int8 (8-bit weights and int8 arithmetic: about a quarter of the size and about 2x faster on CPU; captions close to fp32's but not always equal).",
            DefaultValueFactory = _ => "fp32",
        };
        precision.AcceptOnlyFromAmong("fp32", "int8");

        var command = new Command("build", "Build a model folder from a checkpoint folder (e.g. a download of Salesforce/blip-image-captioning-base).")
        {
            from, output, precision,
        };
        command.SetAction((parse, cancellationToken) => UserErrors.RunAsync(async () =>
        {
            string checkpointDirectory = parse.GetValue(from)!;
            var modelPrecision = ModelBuildReport.ParsePrecision(parse.GetValue(precision)!);
            var clock = Stopwatch.StartNew();
            var checkpoint = await Task.Run(() => CheckpointLoader.Load(checkpointDirectory), cancellationToken);
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Read {checkpoint.Weights.Count} weights ({checkpoint.Weights.Values.Sum(w => w.ElementCount):N0} parameters) from {checkpointDirectory} in {clock.Elapsed.TotalSeconds:F1} s."));
            await ModelBuildReport.BuildAsync(checkpoint, parse.GetValue(output)!, modelPrecision, cancellationToken);
            return 0;
        }));
        return command;
    }
}
