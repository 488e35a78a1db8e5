namespace BlipCaptioning.Inference;

/// <summary>Where a model's ONNX Runtime sessions get their intra-op threads (<see cref="BlipSessionSettings.ThreadPool"/>).</summary>
public enum SessionThreadPool
{
    /// <summary>
    /// One thread pool for the whole process (ONNX Runtime's global pool), shared by the three graphs and every model
    /// loaded with the same thread count and spinning. The default.
    /// </summary>
    Shared,

    /// <summary>Each of the three sessions starts its own pool (ONNX Runtime's default).</summary>
    PerSession,
}
