using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Inference;

/// <summary>
/// How <see cref="BlipModel"/> creates its ONNX Runtime sessions. The defaults suit a small CPU host
/// (Azure Functions Flex Consumption with 2 vCPUs): one intra-op thread per CPU the process may use, no spinning,
/// graphs run sequentially, all graph optimisations on, ONNX Runtime's CPU memory arena on.
/// </summary>
/// <remarks>
/// The defaults are chosen from <c>blip bench</c> measurements recorded in docs/performance.md (BLIP base, fp32).
/// </remarks>
public sealed class BlipSessionSettings
{
    /// <summary>
    /// Threads used inside one operator (ONNX Runtime's intra_op_num_threads). 0 (the default) means one per CPU
    /// this process may use (<see cref="Environment.ProcessorCount"/>).
    /// </summary>
    /// <remarks>
    /// Not ONNX Runtime's own default (one per physical core of the host): <see cref="Environment.ProcessorCount"/>
    /// honours a container's CPU limit and affinity, where ONNX Runtime would start a thread per core of the whole
    /// machine. On the 2-CPU bench machine one thread made a BLIP base caption 1.50-1.54x slower than two
    /// (<c>blip bench --compare threads=1</c>: vision 1.8x, decoder steps 1.15-1.22x; docs/performance.md).
    /// </remarks>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Whether idle intra-op threads spin (busy-wait) for the next parallel section
    /// (ONNX Runtime's <c>session.intra_op.allow_spinning</c>). Off by default.
    /// </summary>
    /// <remarks>
    /// Spinning trades CPU for wake-up latency. On a 2-CPU host the spinning thread takes the CPU that the
    /// caption's own managed work (the search between decoder steps), another caption or the Functions host needs:
    /// with spinning on, BLIP base captions were 1.33-1.49x slower in three <c>blip bench --compare</c> runs on the
    /// 2-CPU bench machine, while a quiet vision-only loop gained 4% (docs/performance.md).
    /// </remarks>
    public bool AllowSpinning { get; init; }

    /// <summary>
    /// ONNX Runtime's CPU memory arena (on by default). Turning it off saved about 60 MiB of peak memory on BLIP base
    /// (1,122 vs 1,182 MiB) and gave no speed (caption ratio 1.00-1.11 in <c>blip bench --compare arena=off</c>;
    /// docs/performance.md), so it stays on; turn it off on a host short of memory.
    /// </summary>
    public bool EnableMemoryArena { get; init; } = true;

    /// <summary>Threads used to run independent operators in parallel (inter_op_num_threads). 0 lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>ONNX Runtime's graph optimisation level. Defaults to <see cref="GraphOptimizationLevel.ORT_ENABLE_ALL"/>.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// A folder where ONNX Runtime writes each optimised graph (<c>&lt;graph&gt;.optimized.onnx</c>) on load, for
    /// inspection. Null (the default) writes nothing. It is a diagnostic aid: the runtime always loads the original graphs.
    /// </summary>
    public string? OptimizedModelDirectory { get; init; }

    /// <summary>
    /// Called for every session's <see cref="SessionOptions"/> after the settings above are applied: the hook for
    /// an execution provider (e.g. <c>options.AppendExecutionProvider_CUDA(0)</c>) or any other ONNX Runtime option.
    /// </summary>
    public Action<SessionOptions>? ConfigureSessionOptions { get; init; }

    /// <summary>The defaults.</summary>
    public static BlipSessionSettings Default { get; } = new();

    /// <summary>The intra-op thread count the sessions get: <see cref="IntraOpThreads"/>, or the usable CPUs when it is 0.</summary>
    public int EffectiveIntraOpThreads => IntraOpThreads > 0 ? IntraOpThreads : Environment.ProcessorCount;

    internal SessionOptions CreateSessionOptions(string graphFileName)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogId = "blip:" + graphFileName,
        };
        try
        {
            options.IntraOpNumThreads = EffectiveIntraOpThreads;
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", AllowSpinning ? "1" : "0");
            options.EnableCpuMemArena = EnableMemoryArena;

            if (InterOpThreads > 0)
            {
                options.InterOpNumThreads = InterOpThreads;
            }

            if (!string.IsNullOrWhiteSpace(OptimizedModelDirectory))
            {
                Directory.CreateDirectory(OptimizedModelDirectory);
                options.OptimizedModelFilePath = Path.Combine(OptimizedModelDirectory, Path.ChangeExtension(graphFileName, ".optimized.onnx"));
            }

            ConfigureSessionOptions?.Invoke(options);
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }
}
