using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Inference;

/// <summary>
/// How <see cref="BlipModel"/> creates its ONNX Runtime sessions. The defaults suit a small CPU host
/// (Azure Functions Flex Consumption with 2 vCPUs): one intra-op thread per CPU the process may use, in one thread pool
/// shared by the three graphs whose idle threads spin, graphs run sequentially, all graph optimisations on, ONNX
/// Runtime's CPU memory arena on.
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
    /// Where the sessions get their threads: the process-wide pool (<see cref="SessionThreadPool.Shared"/>, the
    /// default) or a pool per session. See <see cref="SharedOnnxThreadPool"/>.
    /// </summary>
    /// <remarks>
    /// BLIP base on the 2-CPU bench machine: captions 1.08x (fp32) and 1.15x (int8) faster with the shared, spinning pool than with a
    /// pool per session without spinning, the previous default (<c>blip bench --compare pool=session</c>; docs/performance.md).
    /// </remarks>
    public SessionThreadPool ThreadPool { get; init; } = SessionThreadPool.Shared;

    /// <summary>
    /// Whether idle intra-op threads spin (busy-wait) for the next parallel section (ONNX Runtime's
    /// <c>session.intra_op.allow_spinning</c>, or the shared pool's spin control). Null (the default) means on with the
    /// shared pool and off with per-session pools.
    /// </summary>
    /// <remarks>
    /// Spinning trades CPU for wake-up latency. With a pool per session, the three graphs' pools competed for 2 CPUs:
    /// captions were 1.33-1.49x slower with spinning on (<c>blip bench --compare spinning=1</c>). With the one shared
    /// pool there is no such competition and spinning pays (docs/performance.md).
    /// </remarks>
    public bool? AllowSpinning { get; init; }

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

    /// <summary>Whether idle threads spin: <see cref="AllowSpinning"/>, or on for the shared pool and off for per-session pools.</summary>
    public bool EffectiveSpinning(SessionThreadPool pool) => AllowSpinning ?? pool == SessionThreadPool.Shared;

    /// <summary>
    /// Decides the threads of a model about to be loaded: joins (or creates) the process's shared pool when
    /// <see cref="ThreadPool"/> asks for it and the pool's settings match, else per-session pools with the reason.
    /// </summary>
    internal SessionThreading ResolveThreading()
    {
        int threads = EffectiveIntraOpThreads;
        if (ThreadPool == SessionThreadPool.Shared)
        {
            bool spinning = EffectiveSpinning(SessionThreadPool.Shared);
            string? whyNot = SharedOnnxThreadPool.TryUse(threads, spinning);
            if (whyNot is null)
            {
                return new SessionThreading(SessionThreadPool.Shared, threads, spinning);
            }

            return new SessionThreading(SessionThreadPool.PerSession, threads, EffectiveSpinning(SessionThreadPool.PerSession), whyNot);
        }

        return new SessionThreading(SessionThreadPool.PerSession, threads, EffectiveSpinning(SessionThreadPool.PerSession));
    }

    internal SessionOptions CreateSessionOptions(string graphFileName, SessionThreading threading)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogId = "blip:" + graphFileName,
        };
        try
        {
            if (threading.Pool == SessionThreadPool.Shared)
            {
                options.DisablePerSessionThreads();
            }
            else
            {
                options.IntraOpNumThreads = threading.Threads;
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", threading.Spinning ? "1" : "0");
            }

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
