using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BlipCaptioning.Model;

namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>Renders <see cref="BenchResults"/> as the human report and as the one-line JSON object.</summary>
internal static class BenchReport
{
    /// <summary>Stage keys as they appear in the JSON (<c>stages.&lt;key&gt;</c>) and in the text table, in pipeline order.</summary>
    public static readonly IReadOnlyList<(string Key, string Label)> StageNames =
    [
        ("decode", "decode (image bytes to RGB)"),
        ("resize", "resize + normalise (PIL bicubic, CLIP)"),
        ("vision", "vision encoder"),
        ("cross_kv", "cross K/V (once per image)"),
        ("decoder_step_first", "decoder step 1 ([DEC])"),
        ("decoder_step", "decoder step 2+ (each)"),
        ("generate", "generate (all steps + search)"),
        ("detokenize", "detokenise"),
        ("caption", "caption (decode to text)"),
    ];

    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public static string Text(BenchResults r)
    {
        var s = new StringBuilder();
        var cost = r.Cost;
        Line(s, $"blip bench: {r.ModelDirectory}");
        Line(s, $"  model      {r.Precision}, {r.Source}; {r.Images.Count} images: {string.Join(", ", r.Images)}");
        Line(s, $"  machine    {r.Machine}, {r.LogicalCpus} logical CPUs, ONNX Runtime {BlipModelContract.OnnxRuntimeVersion}");
        Line(s, $"  cost       vision {Macs(cost.VisionMacs)}, cross K/V {Macs(cost.CrossKvMacs)}, decoder {Macs(cost.TokenMacs(1))}/token; greedy caption of {r.NominalSteps} tokens {Macs(cost.CaptionMacs(r.NominalSteps))}");
        s.AppendLine();

        Line(s, $"Machine floor: ONNX Runtime [{MachineFloor.M}x{MachineFloor.K}]x[{MachineFloor.K}x{MachineFloor.N}] ({MachineFloor.MatMulMacs / 1e9:F2} GMAC), median ms");
        foreach (var group in r.Floor.Where(f => f.Precision != "memory").GroupBy(f => f.Precision))
        {
            string what = group.Key == "int8" ? "int8 DynamicQuantizeLinear+MatMulInteger" : "fp32 MatMul";
            s.AppendLine(Invariant($"  {what,-42}") + string.Concat(group.Select(f => Invariant($"  {f.Threads}t: {f.MedianMs,7:F2} ms {f.GmacPerSecond,6:F1} GMAC/s"))));
        }

        var memory = r.Floor.Where(f => f.Precision == "memory").ToList();
        if (memory.Count > 0)
        {
            string what = Invariant($"memory: [1x{MachineFloor.K}]x[{MachineFloor.K}x{MachineFloor.StreamColumns}] fp32 ({MachineFloor.StreamBytes / 1e6:F1} MB)");
            s.AppendLine(Invariant($"  {what,-42}") + string.Concat(memory.Select(f => Invariant($"  {f.Threads}t: {f.MedianMs,7:F2} ms {f.GBPerSecond,6:F1} GB/s  "))));
        }

        if (r.Main is { } main)
        {
            foreach (var f in r.Floor.Where(f => f.Threads == main.Threads && f.Precision != "memory"))
            {
                Line(s, $"  floor for this model at {f.Precision}, {f.Threads} threads: {Ms(cost.CaptionMacs(r.NominalSteps) / (f.GmacPerSecond * 1e9) * 1000)} per caption{(f.Precision == (r.Precision == "int8" ? "int8" : "fp32") ? " (this model's precision)" : "")}");
            }

            if (r.RooflineMs(main.Threads) is { } roofline)
            {
                Line(s, $"  roofline floor for this model, {main.Threads} threads: {Ms(roofline)} per caption (vision and cross K/V at the product rate; each decoder step at the larger of its MACs at that rate and its {cost.DecoderStepBytes(r.Precision) / 1e6:F1} MB of weights and cross K/V at {r.MemoryRate(main.Threads):F1} GB/s)");
            }

            s.AppendLine();
            Line(s, $"Stages: {main.Caption.Count} captions one at a time, {main.Threading ?? $"{main.Threads} threads"} (model load {main.LoadMs:F0} ms)");
            Line(s, $"  {"stage",-40} {"median ms",10} {"p90 ms",10}");
            foreach (var ((_, label), samples) in StageNames.Zip(main.Stages))
            {
                Line(s, $"  {label,-40} {samples.Median,10:F2} {samples.P90,10:F2}");
            }

            Line(s, $"  generated tokens per caption (median)  {main.Steps.Median,10:F0}");
            Line(s, $"  managed allocations: {main.AllocatedKiB.Median:F0} KiB per caption, {main.StepAllocatedBytes.Median:F0} bytes per decoder step (median)");
            double? floorRate = r.FloorRate(main.Threads);
            string ofFloor = floorRate is { } rate ? Invariant($" = {main.AchievedGflops / (2 * rate) * 100:F0}% of the floor's {2 * rate:F0} GFLOP/s") : "";
            Line(s, $"  captions/s {main.CaptionsPerSecond:F3}; achieved {main.AchievedGflops:F1} GFLOP/s{ofFloor}");
            Line(s, $"  search and overhead between decoder steps (generate - steps): {main.SearchOverhead.Median:F1} ms per caption (median)");
            string vsRoofline = r.RooflineMs(main.Threads) is { } rooflineMs ? Invariant($", {main.Caption.Median / rooflineMs:F2}x the roofline floor {Ms(rooflineMs)}") : "";
            Line(s, $"  caption median {Ms(main.Caption.Median)} vs floor {Ms(r.FloorMs(main.Threads) ?? double.NaN)} ({main.Caption.Median / (r.FloorMs(main.Threads) ?? double.NaN):F1}x the floor{vsRoofline}); peak RSS {main.PeakRssMiB:F0} MiB (from {main.RssBeforeMiB:F0} MiB before the load)");
            s.AppendLine();

            s.AppendLine("Threads (one caption at a time)");
            foreach (var t in new[] { main }.Concat(r.OtherThreads).OrderBy(t => t.Threads))
            {
                Line(s, $"  {t.Threads} thread{(t.Threads == 1 ? " " : "s")}: caption median {t.Caption.Median,8:F0} ms, p90 {t.Caption.P90,8:F0} ms, vision {t.Vision.Median,7:F0} ms, step {t.LaterSteps.Median,6:F1} ms, {t.CaptionsPerSecond * 60,6:F1} images/min ({t.Caption.Count} captions), peak RSS {t.PeakRssMiB:F0} MiB; {t.Threading}");
            }
        }

        if (r.Concurrency.Count > 0 || r.Batches.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("Throughput through ImageCaptioner (images/min; latency = a caption's own stages, without queueing)");
            foreach (var t in r.Concurrency.Concat(r.Batches))
            {
                Line(s, $"  {t.Name,-14} concurrency {t.Concurrency}, batch {t.BatchSize}, {t.ThreadsPerSession} thread{(t.ThreadsPerSession == 1 ? " " : "s")}/session: {t.ImagesPerMinute,6:F1} images/min, latency median {t.LatencyMedianMs,7:F0} ms ({t.Images} images), peak RSS {t.PeakRssMiB:F0} MiB (from {t.RssBeforeMiB:F0})");
            }
        }

        if (r.Naive.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("Naive baselines (same graphs, same ids, no caches), each caption paired with a cached one of the same image");
            foreach (var n in r.Naive)
            {
                Line(s, $"  {n.Name,-24} median {n.Caption.Median,8:F0} ms (cached {n.Cached.Median,6:F0} ms): the caches are {n.Speedup:F2}x faster{(n.SameIds ? "" : " (IDS DIFFER)")}; {n.Description}");
            }
        }

        if (r.ColdStarts.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("Cold start (new process: model load + first caption)");
            foreach (var c in r.ColdStarts)
            {
                Line(s, $"  {c.Name,-24} load {c.LoadMs,7:F0} ms + first caption {c.FirstCaptionMs,7:F0} ms = {c.ColdStartMs,7:F0} ms ({c.ProcessMs:F0} ms since process start), peak RSS {c.PeakRssMiB:F0} MiB");
            }
        }

        s.AppendLine();
        Line(s, $"Peak RSS is VmHWM{(r.PeakResettable ? ", reset before each scenario" : " of the whole process (not resettable here)")}. Times are wall-clock medians; a busy machine makes them noisy.");
        return s.ToString();
    }

    /// <summary>The machine-readable summary: one JSON object on one line.</summary>
    public static string Json(BenchResults r)
    {
        var main = r.Main;
        var cost = r.Cost;
        var root = new JsonObject
        {
            ["precision"] = r.Precision,
            ["caption_ms_median"] = Number(main?.Caption.Median),
            ["caption_ms_p90"] = Number(main?.Caption.P90),
            ["floor_ms"] = Number(main is null ? null : r.FloorMs(main.Threads)),
            ["roofline_floor_ms"] = Number(main is null ? null : r.RooflineMs(main.Threads)),
            ["memory_gb_per_s"] = Number(main is null ? null : r.MemoryRate(main.Threads)),
            ["cold_start_ms"] = Number(r.ColdStarts.FirstOrDefault()?.ColdStartMs),
            ["peak_rss_mb"] = Number(main?.PeakRssMiB),
            ["captions_per_second"] = Number(main?.CaptionsPerSecond, 4),
            ["achieved_gflops"] = Number(main?.AchievedGflops),
            ["floor_gflops"] = Number(main is null ? null : 2 * r.FloorRate(main.Threads)),
            ["threads"] = main?.Threads,
            ["threading"] = main?.Threading,
            ["runs"] = main?.Caption.Count,
            ["model"] = r.ModelDirectory,
            ["source"] = r.Source,
            ["machine"] = r.Machine,
            ["logical_cpus"] = r.LogicalCpus,
            ["onnxruntime"] = BlipModelContract.OnnxRuntimeVersion,
            ["images"] = new JsonArray([.. r.Images.Select(i => (JsonNode?)i)]),
            ["macs"] = new JsonObject
            {
                ["vision"] = cost.VisionMacs,
                ["cross_kv"] = cost.CrossKvMacs,
                ["decoder_token"] = cost.TokenMacs(1),
                ["decoder_step_bytes"] = cost.DecoderStepBytes(r.Precision),
                ["caption_nominal"] = cost.CaptionMacs(r.NominalSteps),
                ["nominal_tokens"] = r.NominalSteps,
            },
            ["floor"] = new JsonArray([.. r.Floor.Select(f => (JsonNode?)new JsonObject
            {
                ["precision"] = f.Precision,
                ["threads"] = f.Threads,
                ["ms_median"] = Number(f.MedianMs, 3),
                ["ms_p90"] = Number(f.P90Ms, 3),
                ["gmac_per_s"] = Number(f.GmacPerSecond),
                ["gb_per_s"] = Number(f.GBPerSecond),
            })]),
        };

        if (main is not null)
        {
            var stages = new JsonObject();
            foreach (var ((key, _), samples) in StageNames.Zip(main.Stages))
            {
                stages[key] = Stage(samples);
            }

            root["stages"] = stages;
            root["decoder_step_ms_median_by_index"] = new JsonArray([.. main.StepsByIndex.Select(step => Number(step.Median))]);
            root["tokens_median"] = Number(main.Steps.Median);
            root["search_overhead_ms_median"] = Number(main.SearchOverhead.Median, 3);
            root["allocated_kib_per_caption"] = Number(main.AllocatedKiB.Median);
            root["allocated_bytes_per_step"] = Number(main.StepAllocatedBytes.Median);
            root["load_ms"] = Number(main.LoadMs);
            root["threads_scan"] = new JsonArray([.. new[] { main }.Concat(r.OtherThreads).OrderBy(t => t.Threads).Select(t => (JsonNode?)new JsonObject
            {
                ["threads"] = t.Threads,
                ["threading"] = t.Threading,
                ["runs"] = t.Caption.Count,
                ["caption_ms_median"] = Number(t.Caption.Median),
                ["caption_ms_p90"] = Number(t.Caption.P90),
                ["vision_ms_median"] = Number(t.Vision.Median),
                ["decoder_step_ms_median"] = Number(t.LaterSteps.Median),
                ["images_per_minute"] = Number(t.CaptionsPerSecond * 60),
                ["peak_rss_mb"] = Number(t.PeakRssMiB),
            })]);
        }

        root["throughput"] = new JsonArray([.. r.Concurrency.Concat(r.Batches).Select(t => (JsonNode?)new JsonObject
        {
            ["name"] = t.Name,
            ["concurrency"] = t.Concurrency,
            ["batch_size"] = t.BatchSize,
            ["threads_per_session"] = t.ThreadsPerSession,
            ["images"] = t.Images,
            ["images_per_minute"] = Number(t.ImagesPerMinute),
            ["latency_ms_median"] = Number(t.LatencyMedianMs),
            ["peak_rss_mb"] = Number(t.PeakRssMiB),
            ["rss_before_mb"] = Number(t.RssBeforeMiB),
        })]);
        root["naive"] = new JsonArray([.. r.Naive.Select(n => (JsonNode?)new JsonObject
        {
            ["name"] = n.Name,
            ["caption_ms_median"] = Number(n.Caption.Median),
            ["caption_ms_p90"] = Number(n.Caption.P90),
            ["runs"] = n.Caption.Count,
            ["cached_ms_median"] = Number(n.Cached.Median),
            ["speedup_of_caches"] = Number(n.Speedup, 3),
            ["same_ids"] = n.SameIds,
        })]);
        root["cold_start"] = new JsonArray([.. r.ColdStarts.Select(c => (JsonNode?)new JsonObject
        {
            ["name"] = c.Name,
            ["load_ms"] = Number(c.LoadMs),
            ["first_caption_ms"] = Number(c.FirstCaptionMs),
            ["cold_start_ms"] = Number(c.ColdStartMs),
            ["process_ms"] = Number(c.ProcessMs),
            ["peak_rss_mb"] = Number(c.PeakRssMiB),
        })]);
        root["peak_rss_resettable"] = r.PeakResettable;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    /// <summary>The A/B report: each stage's median on both sides and B / A.</summary>
    public static string Text(ComparisonResult c)
    {
        var s = new StringBuilder();
        Line(s, $"A/B: A = as given ({c.A.Threading ?? $"{c.A.Threads} threads"}), B = {c.Change} ({c.B.Threading ?? $"{c.B.Threads} threads"}); {c.A.Caption.Count} captions each, alternating");
        Line(s, $"  {"stage (median ms)",-40} {"A",10} {"B",10} {"B/A",7}");
        foreach (var ((_, label), (a, b)) in StageNames.Zip(c.A.Stages.Zip(c.B.Stages)))
        {
            Line(s, $"  {label,-40} {a.Median,10:F2} {b.Median,10:F2} {b.Median / a.Median,7:F3}");
        }

        Line(s, $"  caption p90                              {c.A.Caption.P90,10:F2} {c.B.Caption.P90,10:F2}");
        Line(s, $"  managed bytes per decoder step           {c.A.StepAllocatedBytes.Median,10:F0} {c.B.StepAllocatedBytes.Median,10:F0}");
        Line(s, $"  model load                               {c.A.LoadMs,10:F0} {c.B.LoadMs,10:F0}");
        Line(s, $"  per-pair caption ratio B/A: median {c.Ratios.Median:F3} (p10 {c.Ratios.Percentile(0.1):F3}, p90 {c.Ratios.P90:F3}); same ids: {(c.SameIds ? "yes" : "NO")}");
        return s.ToString();
    }

    /// <summary>The A/B summary as one JSON line.</summary>
    public static string Json(ComparisonResult c)
    {
        var stages = new JsonObject();
        foreach (var ((key, _), (a, b)) in StageNames.Zip(c.A.Stages.Zip(c.B.Stages)))
        {
            stages[key] = new JsonObject { ["a_median_ms"] = Number(a.Median, 3), ["b_median_ms"] = Number(b.Median, 3), ["ratio"] = Number(b.Median / a.Median, 4) };
        }

        return new JsonObject
        {
            ["change"] = c.Change,
            ["runs"] = c.A.Caption.Count,
            ["caption_ratio_median"] = Number(c.Ratios.Median, 4),
            ["caption_ratio_p10"] = Number(c.Ratios.Percentile(0.1), 4),
            ["caption_ratio_p90"] = Number(c.Ratios.P90, 4),
            ["same_ids"] = c.SameIds,
            ["stages"] = stages,
        }.ToJsonString();
    }

    private static JsonObject Stage(Samples samples) => new()
    {
        ["median_ms"] = Number(samples.Median, 3),
        ["p90_ms"] = Number(samples.P90, 3),
        ["count"] = samples.Count,
    };

    /// <summary>A rounded number, or null for a missing or non-finite value (JSON has no NaN).</summary>
    private static JsonValue? Number(double? value, int digits = 2) =>
        value is { } v && double.IsFinite(v) ? JsonValue.Create(Math.Round(v, digits)) : null;

    /// <summary>"55.48 GMAC", "133.8 MMAC", "320 MAC".</summary>
    internal static string Macs(long macs) => macs switch
    {
        >= 1_000_000_000 => Invariant($"{macs / 1e9:F2} GMAC"),
        >= 1_000_000 => Invariant($"{macs / 1e6:F1} MMAC"),
        >= 1_000 => Invariant($"{macs / 1e3:F1} kMAC"),
        _ => Invariant($"{macs} MAC"),
    };

    /// <summary>"812 ms", "3.4 ms", "0.61 ms".</summary>
    internal static string Ms(double ms) => ms switch
    {
        >= 100 => Invariant($"{ms:F0} ms"),
        >= 10 => Invariant($"{ms:F1} ms"),
        _ => Invariant($"{ms:F2} ms"),
    };

    private static void Line(StringBuilder s, FormattableString text) => s.AppendLine(text.ToString(s_invariant));

    private static string Invariant(FormattableString text) => text.ToString(s_invariant);
}
