namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>Everything one <c>blip bench</c> run measured.</summary>
internal sealed class BenchResults
{
    public required string ModelDirectory { get; init; }

    public required string Precision { get; init; }

    public required string Source { get; init; }

    public required string Machine { get; init; }

    public required int LogicalCpus { get; init; }

    public required IReadOnlyList<string> Images { get; init; }

    public required ModelCost Cost { get; init; }

    /// <summary>Generated tokens of the nominal caption the floor is computed for: max_length minus [DEC].</summary>
    public required int NominalSteps { get; init; }

    public IReadOnlyList<FloorMeasurement> Floor { get; set; } = [];

    public SequentialResult? Main { get; set; }

    public List<SequentialResult> OtherThreads { get; } = [];

    public List<ThroughputResult> Concurrency { get; } = [];

    public List<ThroughputResult> Batches { get; } = [];

    public List<NaiveResult> Naive { get; } = [];

    public List<ColdStartResult> ColdStarts { get; } = [];

    public bool PeakResettable { get; set; }

    /// <summary>
    /// The machine's rate for this model's precision with at most <paramref name="threads"/> threads (GMAC/s): the
    /// fastest median among those thread counts, since a busy machine can make 2 threads measure slower than 1.
    /// </summary>
    public double? FloorRate(int threads)
    {
        string precision = Precision == "int8" ? "int8" : "fp32";
        var match = Floor.Where(f => f.Precision == precision && f.Threads <= threads).ToList();
        return match.Count == 0 ? null : match.Max(f => f.GmacPerSecond);
    }

    /// <summary>Milliseconds the nominal greedy caption's MACs take at the floor rate.</summary>
    public double? FloorMs(int threads) =>
        FloorRate(threads) is { } rate ? Cost.CaptionMacs(NominalSteps) / (rate * 1e9) * 1000.0 : null;

    /// <summary>The machine's memory bandwidth (GB/s) with at most <paramref name="threads"/> threads: the best median of the "memory" product.</summary>
    public double? MemoryRate(int threads)
    {
        var match = Floor.Where(f => f.Precision == "memory" && f.Threads <= threads && f.GBPerSecond is not null).ToList();
        return match.Count == 0 ? null : match.Max(f => f.GBPerSecond!.Value);
    }

    /// <summary>
    /// The roofline floor of the nominal caption (ms): the vision encoder and cross K/V at the product rate, and each
    /// decoder step at the larger of its MACs at that rate and its bytes (<see cref="ModelCost.DecoderStepBytes"/>) at
    /// the measured memory bandwidth. <see cref="FloorMs"/> counts MACs only, which a memory-bound decoder step cannot reach.
    /// </summary>
    public double? RooflineMs(int threads)
    {
        if (FloorRate(threads) is not { } rate || MemoryRate(threads) is not { } bandwidth)
        {
            return null;
        }

        double stepBytesMs = Cost.DecoderStepBytes(Precision) / (bandwidth * 1e9) * 1000.0;
        double ms = (Cost.VisionMacs + Cost.CrossKvMacs) / (rate * 1e9) * 1000.0;
        for (int step = 0; step < NominalSteps; step++)
        {
            ms += Math.Max(Cost.TokenMacs(past: step) / (rate * 1e9) * 1000.0, stepBytesMs);
        }

        return ms;
    }
}

/// <summary>Captions one at a time through the captioning engine, with every stage timed.</summary>
internal sealed class SequentialResult
{
    public required int Threads { get; init; }

    /// <summary>The threads the model's sessions ran on ("shared pool, 2 threads, spinning").</summary>
    public string? Threading { get; set; }

    public double LoadMs { get; set; }

    public Samples Decode { get; } = new("decode");

    public Samples Resize { get; } = new("resize");

    public Samples Vision { get; } = new("vision");

    public Samples CrossKv { get; } = new("cross K/V");

    public Samples FirstStep { get; } = new("decoder step 1");

    public Samples LaterSteps { get; } = new("decoder step 2+");

    public Samples Generate { get; } = new("generate");

    public Samples Detokenize { get; } = new("detokenize");

    public Samples Caption { get; } = new("caption");

    /// <summary>Step times by step index (0 = the first step), over all runs.</summary>
    public List<Samples> StepsByIndex { get; } = [];

    public Samples Steps { get; } = new("steps");

    /// <summary>Generate minus the decoder steps: the search's own work (argmax, log-softmax) between steps.</summary>
    public Samples SearchOverhead { get; } = new("search overhead");

    /// <summary>Managed KiB allocated per caption (all threads; includes the decoded image's pooled buffers when the pool grows).</summary>
    public Samples AllocatedKiB { get; } = new("allocated KiB");

    /// <summary>Managed bytes allocated per decoder step (the captioning thread only).</summary>
    public Samples StepAllocatedBytes { get; } = new("allocated bytes per step");

    public long MacsTotal { get; set; }

    public double WallMs { get; set; }

    public double PeakRssMiB { get; set; }

    public double RssBeforeMiB { get; set; }

    public IReadOnlyList<long>? FirstIds { get; set; }

    public double CaptionsPerSecond => Caption.Count / (WallMs / 1000.0);

    /// <summary>GFLOP/s over the measured captions (2 FLOPs per MAC).</summary>
    public double AchievedGflops => 2.0 * MacsTotal / (Caption.Values.Sum() / 1000.0) / 1e9;

    public IEnumerable<Samples> Stages => [Decode, Resize, Vision, CrossKv, FirstStep, LaterSteps, Generate, Detokenize, Caption];
}

/// <summary>Images per minute through <see cref="ImageCaptioner"/> (concurrent callers or batches).</summary>
internal sealed record ThroughputResult(string Name, int Concurrency, int BatchSize, int ThreadsPerSession, int Images, double WallMs, double LatencyMedianMs, double PeakRssMiB, double RssBeforeMiB)
{
    public double ImagesPerMinute => Images / (WallMs / 60000.0);
}

/// <summary>
/// A cache-less baseline: its captions, the cached captions of the same images made just before each, and the
/// per-pair ratio naive / cached (the speed-up the caches give).
/// </summary>
internal sealed record NaiveResult(string Name, string Description, Samples Caption, Samples Cached, Samples Ratios, bool SameIds)
{
    public double Speedup => Ratios.Median;
}

/// <summary>A fresh process: model load and first caption.</summary>
internal sealed record ColdStartResult(string Name, double LoadMs, double FirstCaptionMs, double ProcessMs, double PeakRssMiB)
{
    public double ColdStartMs => LoadMs + FirstCaptionMs;
}

/// <summary>An A/B comparison: both sides' stages and the per-pair ratio of caption times (B / A).</summary>
internal sealed record ComparisonResult(string Change, SequentialResult A, SequentialResult B, Samples Ratios, bool SameIds);
