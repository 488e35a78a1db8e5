using System.Globalization;
using System.Text.Json.Nodes;
using BlipCaptioning;

namespace BlipFunctions.Bench;

/// <summary>The figures of one cold start, printed as text and as one JSON line.</summary>
internal sealed record ColdStartResult(
    ColdStartOptions Options,
    ModelDescription Model,
    long ModelBytes,
    IReadOnlyList<double> AppCopySeconds,
    IReadOnlyList<double> RangedCopySeconds,
    double CopyAndLoadSeconds,
    double FirstCaptionSeconds,
    double SecondCaptionSeconds,
    double PeakRssMiB)
{
    private double MiB => ModelBytes / (1024.0 * 1024.0);

    public double ColdStartSeconds => CopyAndLoadSeconds + FirstCaptionSeconds;

    public void Print(TextWriter output)
    {
        double app = Percentiles.Median(AppCopySeconds), ranged = Percentiles.Median(RangedCopySeconds);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            cold start: model {Model.Precision}, {MiB:F1} MiB ({Options.ModelDirectory}); Azurite on this machine stands in for the models container
              copy, app (one stream per file)      median {app:F2} s = {MiB / app:F0} MiB/s over {AppCopySeconds.Count} copies ({string.Join(", ", AppCopySeconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))} s)
              copy, ranged x{Options.RangedConcurrency} (8 MiB ranges)       median {ranged:F2} s = {MiB / ranged:F0} MiB/s over {RangedCopySeconds.Count} copies ({string.Join(", ", RangedCopySeconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))} s); ranged/app {ranged / app:F2}x the time
              instance: copy + session creation    {CopyAndLoadSeconds:F2} s (the captioner's first load: the app's copy, then the graphs; compare the copies above)
              instance: first caption (function)   {FirstCaptionSeconds:F2} s
              cold start (copy + load + caption)   {ColdStartSeconds:F2} s
              second caption (function)            {SecondCaptionSeconds:F2} s
              peak RSS of the process              {PeakRssMiB:F0} MiB
            """));
    }

    public JsonObject ToJson() => new()
    {
        ["scenario"] = "cold-start",
        ["precision"] = Model.Precision,
        ["model_mib"] = Math.Round(MiB, 1),
        ["copy_app_s_median"] = Math.Round(Percentiles.Median(AppCopySeconds), 3),
        ["copy_ranged_s_median"] = Math.Round(Percentiles.Median(RangedCopySeconds), 3),
        ["ranged_concurrency"] = Options.RangedConcurrency,
        ["copy_and_load_s"] = Math.Round(CopyAndLoadSeconds, 3),
        ["first_caption_s"] = Math.Round(FirstCaptionSeconds, 3),
        ["cold_start_s"] = Math.Round(ColdStartSeconds, 3),
        ["second_caption_s"] = Math.Round(SecondCaptionSeconds, 3),
        ["peak_rss_mb"] = Math.Round(PeakRssMiB, 1),
    };
}
