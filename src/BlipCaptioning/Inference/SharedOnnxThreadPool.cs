using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Inference;

/// <summary>
/// The process-wide ONNX Runtime intra-op thread pool that BLIP sessions share by default
/// (<see cref="SessionThreadPool.Shared"/>). ONNX Runtime creates it with its environment (<see cref="OrtEnv"/>),
/// once per process, so the first model loaded fixes its size and spinning; later models with the same settings join
/// it, others get their own pools.
/// </summary>
/// <remarks>
/// Why: with a pool per session, the vision encoder's, the cross K/V graph's and the decoder's threads are three sets of
/// threads on the same CPUs. With spinning on, the threads of the graph that just finished spin while the next graph
/// works (on 2 CPUs that made captions 1.3-1.5x slower, so spinning was off); with spinning off, every operator wakes a
/// sleeping thread. One pool lets the threads spin between operators and between graphs without competing with each
/// other (measured in docs/performance.md).
/// </remarks>
public static class SharedOnnxThreadPool
{
    private static readonly Lock Gate = new();
    private static OrtThreadingOptions? s_threadingOptions;
    private static (int Threads, bool Spinning)? s_pool;

    /// <summary>The shared pool's threads and spinning, or null when no model has created it in this process.</summary>
    public static (int Threads, bool Spinning)? Current
    {
        get
        {
            lock (Gate)
            {
                return s_pool;
            }
        }
    }

    /// <summary>
    /// Creates the shared pool with the default settings (<see cref="BlipSessionSettings.Default"/>: one thread per CPU,
    /// spinning) unless the process has it already. For a process that creates other ONNX Runtime sessions before its
    /// first BLIP model: call this first, so that the BLIP sessions can share the pool.
    /// </summary>
    /// <exception cref="InvalidOperationException">ONNX Runtime's environment already exists without the pool, or the pool has other settings.</exception>
    public static void EnsureCreatedWithDefaults()
    {
        var defaults = BlipSessionSettings.Default;
        if (TryUse(defaults.EffectiveIntraOpThreads, defaults.EffectiveSpinning(SessionThreadPool.Shared)) is { } whyNot)
        {
            throw new InvalidOperationException("Could not create the shared ONNX Runtime thread pool: " + whyNot + ".");
        }
    }

    /// <summary>
    /// Creates the shared pool with these settings if the process has none yet, and says whether sessions with these
    /// settings can use it. Call it before anything else in the process creates an ONNX Runtime session.
    /// </summary>
    /// <returns>Null when they can; otherwise why not, in a sentence.</returns>
    public static string? TryUse(int threads, bool spinning)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        lock (Gate)
        {
            if (s_pool is null)
            {
                if (OrtEnv.IsCreated)
                {
                    return "ONNX Runtime's environment was created in this process before the first BLIP model, without a shared thread pool";
                }

                s_threadingOptions = new OrtThreadingOptions
                {
                    GlobalIntraOpNumThreads = threads,
                    GlobalInterOpNumThreads = 1,
                    GlobalSpinControl = spinning,
                };
                var environment = new EnvironmentCreationOptions { logId = "blip", threadOptions = s_threadingOptions };
                OrtEnv.CreateInstanceWithOptions(ref environment);
                s_pool = (threads, spinning);
                return null;
            }

            var (poolThreads, poolSpinning) = s_pool.Value;
            return poolThreads == threads && poolSpinning == spinning
                ? null
                : $"this process's shared pool has {poolThreads} thread(s) {(poolSpinning ? "with" : "without")} spinning (set by the first model loaded), and these settings ask for {threads} {(spinning ? "with" : "without")}";
        }
    }
}
