using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.CheckpointWriting;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// <c>blip model random --preset tiny|base --out DIR [--seed N]</c>: writes a random-weight checkpoint into DIR/checkpoint
/// and builds the model folder into DIR. The captions are nonsense; the pipeline, shapes and speed are real.
/// </summary>
internal static class ModelRandomCommand
{
    public const string CheckpointFolderName = "checkpoint";

    public static Command Create()
    {
        var preset = new Option<string>("--preset")
        {
            Description = "tiny: a 2-layer model of a few MB that builds and captions in about a second. base: the sizes of Salesforce/blip-image-captioning-base (~990 MB of weights).",
            DefaultValueFactory = _ => "tiny",
        };
        preset.AcceptOnlyFromAmong([.. BlipPreset.All.Select(p => p.Name)]);
        var output = new Option<string>("--out", "-o")
        {
            Description = "The model folder to write; the random checkpoint goes into its 'checkpoint' subfolder.",
            Required = true,
        };
        var seed = new Option<ulong>("--seed")
        {
            Description = "Seed of the random weights: the same preset and seed give the same model.",
            DefaultValueFactory = _ => 42,
        };

        var command = new Command("random", "Make a model with random weights (for trying the pipeline, tests and benchmarks without downloading anything).")
        {
            preset, output, seed,
        };
        command.SetAction((parse, cancellationToken) => UserErrors.RunAsync(async () =>
        {
            var chosen = BlipPreset.FromName(parse.GetValue(preset)!);
            string outputDirectory = parse.GetValue(output)!;
            ulong seedValue = parse.GetValue(seed);
            string checkpointDirectory = Path.Combine(outputDirectory, CheckpointFolderName);

            var clock = Stopwatch.StartNew();
            await Task.Run(() => RandomCheckpointWriter.Write(checkpointDirectory, chosen, seedValue, CheckpointFormats.Safetensors, cancellationToken), cancellationToken);
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Wrote a random '{chosen.Name}' checkpoint ({chosen.StoredParameters:N0} parameters, seed {seedValue}) into {checkpointDirectory} in {clock.Elapsed.TotalSeconds:F1} s:"));
            await ModelBuildReport.WriteSizesAsync(checkpointDirectory, SearchOption.TopDirectoryOnly);

            clock.Restart();
            var checkpoint = await Task.Run(() => CheckpointLoader.Load(checkpointDirectory), cancellationToken);
            checkpoint = checkpoint with { Source = $"random:{chosen.Name}:seed={seedValue}" };
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Read it back in {clock.Elapsed.TotalSeconds:F1} s."));
            await ModelBuildReport.BuildAsync(checkpoint, outputDirectory, ModelPrecision.Fp32, cancellationToken, showNotes: false);
            return 0;
        }));
        return command;
    }
}
