using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>
/// The probe behind scripts/bench-builds.py (`blip bench --probe captions --images FILE...`): loads the model, captions
/// one image untimed, prints a JSON line saying so, then captions the next image (cycling) for every line read on
/// stdin and prints its times as one JSON line. Two builds that cannot share a process (two ONNX Runtime versions) can
/// so be driven caption by caption, alternating, like `--compare` does inside one process.
/// </summary>
internal static class CaptionServer
{
    public const string ProbeName = "captions";

    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<int> ProbeAsync(BenchOptions options, TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        if (options.ImageFiles.Count == 0)
        {
            throw new ArgumentException("The captions probe needs images (--images FILE...).");
        }

        byte[][] images = [.. options.ImageFiles.Select(File.ReadAllBytes)];
        long started = Stopwatch.GetTimestamp();
        using var captioner = new ImageCaptioner(options.CaptioningOptions(options.MainThreads, 1));
        ModelDescription model = await captioner.DescribeModelAsync(cancellationToken);
        double load = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await CaptionAsync(captioner, images[0], cancellationToken);
        await output.WriteLineAsync(JsonSerializer.Serialize(new Ready(OrtEnv.Instance().GetVersionString(), model.Precision, load, PeakMemory.PeakMiB()), s_json));
        await output.FlushAsync(cancellationToken);

        for (int i = 0; await input.ReadLineAsync(cancellationToken) is not null; i++)
        {
            started = Stopwatch.GetTimestamp();
            Caption caption = await CaptionAsync(captioner, images[i % images.Length], cancellationToken);
            double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            CaptionTimings t = caption.Timings;
            await output.WriteLineAsync(JsonSerializer.Serialize(
                new Timed(ms, t.Vision.TotalMilliseconds, t.CrossAttention.TotalMilliseconds, t.Generate.TotalMilliseconds, t.Steps, caption.TokenIds.Count, PeakMemory.PeakMiB()), s_json));
            await output.FlushAsync(cancellationToken);
        }

        return 0;
    }

    private static async Task<Caption> CaptionAsync(ImageCaptioner captioner, byte[] image, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(image, writable: false);
        return await captioner.CaptionAsync(stream, null, cancellationToken);
    }

    private sealed record Ready(string Onnxruntime, string Precision, double LoadMs, double? PeakRssMb);

    private sealed record Timed(double CaptionMs, double VisionMs, double CrossKvMs, double GenerateMs, int Steps, int Tokens, double? PeakRssMb);
}
