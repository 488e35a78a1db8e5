using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Inference;

/// <summary>
/// How <see cref="BlipModel"/> creates its ONNX Runtime sessions. The defaults suit a small CPU host
/// (Azure Functions Flex Consumption with 2 vCPUs): ONNX Runtime picks the intra-op thread count, graphs run
/// sequentially, all graph optimisations on.
/// </summary>
public sealed class BlipSessionSettings
{
    /// <summary>Threads used inside one operator (ONNX Runtime's intra_op_num_threads). 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

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
            if (IntraOpThreads > 0)
            {
                options.IntraOpNumThreads = IntraOpThreads;
            }

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
