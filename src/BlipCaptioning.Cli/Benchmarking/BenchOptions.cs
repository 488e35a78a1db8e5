using BlipCaptioning.Inference;
using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>What <c>blip bench</c> runs; the command line fills it, tests make small ones.</summary>
internal sealed record BenchOptions
{
    /// <summary>ONNX Runtime's session entry for spinning, which <see cref="CaptioningOptions.AllowSpinning"/> sets.</summary>
    public const string SpinningKey = "session.intra_op.allow_spinning";

    public required string ModelDirectory { get; init; }

    /// <summary>Image files; empty means the synthesized set (<see cref="BenchImages.Synthesize"/>).</summary>
    public IReadOnlyList<string> ImageFiles { get; init; } = [];

    /// <summary>Measured captions at the main (largest) thread count; other thread counts run a third as many.</summary>
    public int Runs { get; init; } = 20;

    /// <summary>Intra-op thread counts to measure one caption at a time; the largest is the main scenario.</summary>
    public IReadOnlyList<int> Threads { get; init; } = DefaultThreads();

    /// <summary>Captions at once on one shared model (each session with cores / concurrency threads).</summary>
    public IReadOnlyList<int> Concurrency { get; init; } = [2];

    /// <summary>Batch sizes for CaptionBatchAsync at the app's default settings (1 = the app's default path).</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [1, 2, 4];

    /// <summary>Captions of each naive (cache-less) baseline; 0 skips it.</summary>
    public int NaiveRuns { get; init; } = 3;

    /// <summary>Measure cold start in child processes.</summary>
    public bool ColdStart { get; init; } = true;

    /// <summary>Runs of each floor product (after a few untimed ones).</summary>
    public int FloorRuns { get; init; } = 30;

    /// <summary>ONNX Runtime session config entries applied to every session (e.g. session.intra_op.allow_spinning=0).</summary>
    public IReadOnlyDictionary<string, string> SessionEntries { get; init; } = new Dictionary<string, string>();

    /// <summary>Graph optimisation level; null keeps the runtime's default.</summary>
    public GraphOptimizationLevel? OptimizationLevel { get; init; }

    /// <summary>The shared thread pool or per-session pools; null keeps the runtime's default (shared).</summary>
    public SessionThreadPool? ThreadPool { get; init; }

    /// <summary>The CPU memory arena on or off; null keeps the runtime's default.</summary>
    public bool? Arena { get; init; }

    /// <summary>Also measure cold start with ONNX Runtime's optimised graphs written to and loaded from a disk cache.</summary>
    public bool ColdStartCache { get; init; } = true;

    /// <summary>Probe only: write ONNX Runtime's optimised graphs (weights in external files) into this folder while loading.</summary>
    public string? WriteOptimizedDirectory { get; init; }

    public int MainThreads => Threads.Max();

    /// <summary>1 and the number of logical CPUs (just 1 on a one-CPU machine).</summary>
    public static IReadOnlyList<int> DefaultThreads() => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    /// <summary>Captioning options for <see cref="ImageCaptioner"/> with this run's session overrides.</summary>
    public CaptioningOptions CaptioningOptions(int intraOpThreads, int maxConcurrency)
    {
        var options = new CaptioningOptions
        {
            ModelDirectory = ModelDirectory,
            IntraOpThreads = intraOpThreads,
            MaxConcurrency = maxConcurrency,
            ConfigureSessionOptions = ConfigureSession,
            OptimizedModelDirectory = WriteOptimizedDirectory,
        };
        if (OptimizationLevel is { } level)
        {
            options.GraphOptimizationLevel = level;
        }

        if (ThreadPool is { } pool)
        {
            options.ThreadPool = pool;
        }

        // The runtime sets spinning itself; a second entry for the same key would make ONNX Runtime warn.
        if (SessionEntries.TryGetValue(SpinningKey, out string? spinning))
        {
            options.AllowSpinning = spinning == "1";
        }

        return options;
    }

    /// <summary>Session settings for <see cref="BlipModel"/> with this run's overrides.</summary>
    public BlipSessionSettings SessionSettings(int intraOpThreads) => CaptioningOptions(intraOpThreads, 1).ToSessionSettings();

    private void ConfigureSession(SessionOptions options)
    {
        if (Arena is { } arena)
        {
            options.EnableCpuMemArena = arena;
        }

        foreach (var (key, value) in SessionEntries.Where(e => e.Key != SpinningKey))
        {
            options.AddSessionConfigEntry(key, value);
        }

        // An optimised graph keeps its weights in a file beside it, so that loading it maps them as the original does.
        if (!string.IsNullOrEmpty(options.OptimizedModelFilePath))
        {
            options.AddSessionConfigEntry("session.optimized_model_external_initializers_file_name", Path.GetFileName(options.OptimizedModelFilePath) + ".data");
            options.AddSessionConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes", "1024");
        }
    }
}
