using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Inference;

/// <summary>
/// A <see cref="RunOptions"/> for one call, whose <see cref="RunOptions.Terminate"/> flag is raised when the token is
/// cancelled. Terminate stops every Run that shares the options object, so each call gets its own; never share one.
/// </summary>
internal sealed class CancellableRunOptions : IDisposable
{
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationTokenRegistration _registration;

    public CancellableRunOptions(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _cancellationToken = cancellationToken;
        Options = new RunOptions();
        _registration = cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, Options);
    }

    public RunOptions Options { get; }

    /// <summary>Runs <paramref name="run"/>; an ONNX Runtime error caused by the Terminate flag becomes an <see cref="OperationCanceledException"/>.</summary>
    public T Run<T>(Func<RunOptions, T> run)
    {
        try
        {
            return run(Options);
        }
        catch (OnnxRuntimeException) when (_cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The captioning run was cancelled.", _cancellationToken);
        }
    }

    public void Dispose()
    {
        // Unregister first: Dispose waits for a running callback, so the callback never touches a released handle.
        _registration.Dispose();
        Options.Dispose();
    }
}
