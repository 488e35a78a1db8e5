using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BlipCaptioning.Cli.Commands;
using BlipCaptioning.Model;

namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>
/// Cold start: a fresh <c>blip</c> process that loads the model and captions one image, as a new Functions worker
/// does. The parent starts <c>blip bench --probe cold-start</c> and reads the probe's JSON line: model load, first
/// caption, time since the process started, and the process's peak RSS. The model files are in the OS page cache
/// (the parent has just read them), so this is a warm-disk cold start.
/// </summary>
internal static class ColdStart
{
    public const string ProbeName = "cold-start";

    public static async Task MeasureAsync(BenchOptions options, BenchImage image, BenchResults results, Action<string> progress, CancellationToken cancellationToken)
    {
        string folder = Path.Combine(Path.GetTempPath(), "blip-bench-cold-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string imagePath = Path.Combine(folder, image.Name);
            await File.WriteAllBytesAsync(imagePath, image.Bytes, cancellationToken);
            progress($"cold start: a new process loads the model and captions {image.Name} ({options.MainThreads} threads)");
            results.ColdStarts.Add(await RunProbeAsync("fresh process", options, imagePath, cancellationToken));
            if (options.ColdStartCache)
            {
                // ONNX Runtime's optimised graphs on disk: one process writes them (the first start of an instance),
                // the next loads them with optimisations off (every later start).
                string cache = Path.Combine(folder, "ort-cache");
                Directory.CreateDirectory(cache);
                foreach (string file in new[] { BlipModelContract.ManifestFileName, BlipModelContract.VocabularyFileName })
                {
                    File.Copy(Path.Combine(options.ModelDirectory, file), Path.Combine(cache, file));
                }

                progress("cold start: a new process loads the model, writes ONNX Runtime's optimised graphs to disk and captions");
                results.ColdStarts.Add(await RunProbeAsync("writing the ORT cache", options with { WriteOptimizedDirectory = cache }, imagePath, cancellationToken));
                foreach (string graph in new[] { BlipModelContract.VisionEncoderFileName, BlipModelContract.CrossAttentionFileName, BlipModelContract.TextDecoderFileName })
                {
                    File.Move(Path.Combine(cache, Path.ChangeExtension(graph, ".optimized.onnx")), Path.Combine(cache, graph));
                }

                RecordOptimizedGraphs(cache);

                progress("cold start: a new process loads the optimised graphs from disk (optimisations off) and captions");
                var fromCache = options with { ModelDirectory = cache, OptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL };
                results.ColdStarts.Add(await RunProbeAsync("from the ORT cache", fromCache, imagePath, cancellationToken));
            }
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary folder is harmless.
            }
        }
    }

    /// <summary>
    /// The optimised graphs are not the ones the manifest's SHA-256s describe, and hold their weights inside: the
    /// cache's manifest records theirs, so that the load's integrity check passes for this folder.
    /// </summary>
    private static void RecordOptimizedGraphs(string cache)
    {
        string path = Path.Combine(cache, BlipModelContract.ManifestFileName);
        var manifest = BlipModelManifest.ReadFile(path);
        var graphs = manifest.Graphs.ToDictionary(
            pair => pair.Key,
            pair => pair.Value with { Sha256 = ModelIntegrity.Sha256Of(Path.Combine(cache, pair.Value.File)), DataFile = null, DataSha256 = null },
            StringComparer.Ordinal);
        File.WriteAllText(path, (manifest with { Graphs = graphs }).ToJson());
    }

    /// <summary>The probe itself (runs in the child): load, caption once, print one JSON line.</summary>
    public static async Task<int> ProbeAsync(BenchOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        string image = options.ImageFiles.Count > 0 ? options.ImageFiles[0] : throw new ArgumentException("The cold-start probe needs one image (--images FILE).");
        long started = Stopwatch.GetTimestamp();
        using var captioner = new ImageCaptioner(options.CaptioningOptions(options.MainThreads, 1));
        await captioner.DescribeModelAsync(cancellationToken);
        double load = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        started = Stopwatch.GetTimestamp();
        await using (var stream = File.OpenRead(image))
        {
            await captioner.CaptionAsync(stream, null, cancellationToken);
        }

        double caption = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        double sinceStart = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
        await output.WriteLineAsync(JsonSerializer.Serialize(new ProbeReport(load, caption, sinceStart, PeakMemory.PeakMiB()), s_json));
        return 0;
    }

    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record ProbeReport(double LoadMs, double FirstCaptionMs, double ProcessMs, double PeakRssMb);

    private static async Task<ColdStartResult> RunProbeAsync(string name, BenchOptions options, string imagePath, CancellationToken cancellationToken)
    {
        var start = ChildStartInfo();
        foreach (string argument in ProbeArguments(options, imagePath))
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the cold-start probe process.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        string output = await stdout;
        string error = await stderr;
        string? last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (process.ExitCode != 0 || last is null)
        {
            throw new InvalidOperationException($"The cold-start probe failed (exit code {process.ExitCode}): {error.Trim()}");
        }

        var report = JsonSerializer.Deserialize<ProbeReport>(last, s_json)
            ?? throw new InvalidOperationException("The cold-start probe printed no report.");
        return new ColdStartResult(name, report.LoadMs, report.FirstCaptionMs, report.ProcessMs, report.PeakRssMb);
    }

    private static IEnumerable<string> ProbeArguments(BenchOptions options, string imagePath)
    {
        yield return "bench";
        yield return "--model";
        yield return Path.GetFullPath(options.ModelDirectory);
        yield return "--images";
        yield return imagePath;
        yield return "--threads";
        yield return options.MainThreads.ToString(CultureInfo.InvariantCulture);
        yield return "--probe";
        yield return ProbeName;
        foreach (var (key, value) in options.SessionEntries)
        {
            yield return "--session";
            yield return $"{key}={value}";
        }

        if (options.Arena is { } arena)
        {
            yield return "--arena";
            yield return arena ? "on" : "off";
        }

        if (options.WriteOptimizedDirectory is { } write)
        {
            yield return "--write-optimized";
            yield return write;
        }

        if (options.OptimizationLevel is { } level)
        {
            yield return "--optimization";
            yield return BenchCommandNames.OptimizationName(level);
        }
    }

    /// <summary>
    /// How to start this CLI again: the apphost when this process is it, else <c>dotnet blip.dll</c> (a test host or
    /// <c>dotnet blip.dll</c> itself).
    /// </summary>
    private static ProcessStartInfo ChildStartInfo()
    {
        string assembly = typeof(ColdStart).Assembly.Location;
        string? processPath = Environment.ProcessPath;
        string processName = Path.GetFileNameWithoutExtension(processPath ?? "");
        if (processPath is not null && processName == Path.GetFileNameWithoutExtension(assembly))
        {
            return new ProcessStartInfo(processPath);
        }

        string dotnet = processName == "dotnet" ? processPath!
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
            : "dotnet";
        var start = new ProcessStartInfo(dotnet);
        start.ArgumentList.Add(assembly);
        return start;
    }
}
