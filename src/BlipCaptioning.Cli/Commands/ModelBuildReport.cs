using System.Globalization;
using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;

namespace BlipCaptioning.Cli.Commands;

/// <summary>Shared by <c>blip model build</c> and <c>blip model random</c>: build a model folder from a checkpoint and say what was written.</summary>
internal static class ModelBuildReport
{
    /// <param name="showNotes">Print what the loader noticed about the checkpoint; false for a checkpoint this command just wrote itself.</param>
    public static async Task BuildAsync(BlipCheckpoint checkpoint, string outputDirectory, ModelPrecision precision, CancellationToken cancellationToken, bool showNotes = true)
    {
        foreach (string note in showNotes ? checkpoint.Notes : [])
        {
            await Console.Error.WriteLineAsync($"blip: note: {note}");
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var manifest = await Task.Run(() => BlipModelBuilder.Build(checkpoint, outputDirectory, precision, cancellationToken), cancellationToken);
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Built {manifest.Precision} model from {manifest.Source} into {Path.GetFullPath(outputDirectory)} in {clock.Elapsed.TotalSeconds:F1} s:"));
        await WriteSizesAsync(outputDirectory, SearchOption.TopDirectoryOnly);
        await Console.Out.WriteLineAsync(HowToCaption(outputDirectory));
    }

    /// <summary>"Caption with: blip caption IMAGE" (plus --model DIR unless DIR is the folder blip caption uses by default).</summary>
    public static string HowToCaption(string outputDirectory) =>
        Path.GetFullPath(outputDirectory) == Path.GetFullPath(ModelLocation.Resolve())
            ? "Caption with: blip caption IMAGE"
            : $"Caption with: blip caption IMAGE --model {ModelLocation.Quote(outputDirectory)}";

    public static async Task WriteSizesAsync(string directory, SearchOption search)
    {
        long total = 0;
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", search).OrderBy(f => f.FullName, StringComparer.Ordinal))
        {
            total += file.Length;
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {Size(file.Length),10}  {Path.GetRelativePath(directory, file.FullName)}"));
        }

        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {Size(total),10}  total"));
    }

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F2} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 10):F1} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };

    public static ModelPrecision ParsePrecision(string value) => value switch
    {
        "fp32" => ModelPrecision.Fp32,
        "int8" => ModelPrecision.Int8,
        _ => throw new ArgumentException($"--precision '{value}' is not known; use fp32 or int8."),
    };
}
