using System.Globalization;
using System.Text.Json.Nodes;
using BlipCaptioning;

namespace BlipFunctions.Bench;

/// <summary>The figures of one burst, printed as text and as one JSON line.</summary>
internal sealed record BurstResult(
    BurstOptions Options,
    int Rows,
    int Succeeded,
    int Failed,
    IReadOnlyList<string> InvocationFailures,
    double WallSeconds,
    double UploadSeconds,
    double WarmupSeconds,
    IReadOnlyList<double> LatencyMs,
    IReadOnlyList<double> CaptionTotalMs,
    double RssBeforeMiB,
    double PeakRssMiB,
    bool PeakResettable,
    ModelDescription Model)
{
    public double ImagesPerMinute => Succeeded / WallSeconds * 60;

    public void Print(TextWriter output)
    {
        var o = Options;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            burst: {o.Images} images, model {Model.Precision} ({Model.Directory})
              settings        blob invocations at once {o.Parallelism} (host.json maxDegreeOfParallelism), Captioning__MaxConcurrency {o.MaxConcurrency}, Captioning__IntraOpThreads {o.IntraOpThreads} (0 = one per CPU; {Environment.ProcessorCount} CPUs)
              rows            {Rows} of {o.Images} ({Succeeded} succeeded, {Failed} failed); invocations that threw: {InvocationFailures.Count}
              throughput      {ImagesPerMinute:F1} images/min ({Succeeded} in {WallSeconds:F1} s; uploads done after {UploadSeconds:F1} s)
              upload to row   p50 {Percentiles.Median(LatencyMs):F0} ms, p95 {Percentiles.Of(LatencyMs, 95):F0} ms, max {Percentiles.Of(LatencyMs, 100):F0} ms
              caption (row)   TotalMs p50 {Percentiles.Median(CaptionTotalMs):F0} ms, p95 {Percentiles.Of(CaptionTotalMs, 95):F0} ms (the captioner's own time, no queueing)
              memory          peak RSS {PeakRssMiB:F0} MiB during the burst{(PeakResettable ? "" : " (since the process started: the peak could not be reset)")}, {RssBeforeMiB:F0} MiB before it (model loaded); Azurite's own memory not included
              warm-up         model load + first caption {WarmupSeconds:F1} s (not in the figures above)
            """));
        foreach (string failure in InvocationFailures.Take(5))
        {
            output.WriteLine($"  failed: {failure}");
        }
    }

    public JsonObject ToJson() => new()
    {
        ["scenario"] = "burst",
        ["precision"] = Model.Precision,
        ["images"] = Options.Images,
        ["parallelism"] = Options.Parallelism,
        ["max_concurrency"] = Options.MaxConcurrency,
        ["intra_op_threads"] = Options.IntraOpThreads,
        ["logical_cpus"] = Environment.ProcessorCount,
        ["rows"] = Rows,
        ["succeeded"] = Succeeded,
        ["failed"] = Failed,
        ["invocation_failures"] = InvocationFailures.Count,
        ["images_per_minute"] = Math.Round(ImagesPerMinute, 2),
        ["wall_s"] = Math.Round(WallSeconds, 2),
        ["upload_to_row_ms_p50"] = Math.Round(Percentiles.Median(LatencyMs), 1),
        ["upload_to_row_ms_p95"] = Math.Round(Percentiles.Of(LatencyMs, 95), 1),
        ["caption_total_ms_p50"] = Math.Round(Percentiles.Median(CaptionTotalMs), 1),
        ["peak_rss_mb"] = Math.Round(PeakRssMiB, 1),
        ["rss_before_mb"] = Math.Round(RssBeforeMiB, 1),
        ["warmup_s"] = Math.Round(WarmupSeconds, 2),
    };
}
