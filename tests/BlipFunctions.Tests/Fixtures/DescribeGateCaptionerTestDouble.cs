using BlipCaptioning;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>
/// Test double around the real captioner: once armed, the next description of the model waits until the test opens
/// the gate. A reconcile's caption request asks for the description after it has read the row and before it acts on
/// it, so a test can let another invocation run in between.
/// </summary>
public sealed class DescribeGateCaptionerTestDouble(IImageCaptioner inner) : IImageCaptioner
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    /// <summary>Completes when a description is waiting at the gate.</summary>
    public Task Waiting => _waiting.Task;

    /// <summary>The next description waits at the gate.</summary>
    public void Arm() => Volatile.Write(ref _armed, 1);

    public void Open() => _gate.TrySetResult();

    public Task<Caption> CaptionAsync(Stream image, CaptionSettings? settings = null, CancellationToken cancellationToken = default) =>
        inner.CaptionAsync(image, settings, cancellationToken);

    public Task<IReadOnlyList<Caption>> CaptionBatchAsync(IReadOnlyList<Stream> images, CaptionSettings? settings = null, CancellationToken cancellationToken = default) =>
        inner.CaptionBatchAsync(images, settings, cancellationToken);

    public async Task<ModelDescription> DescribeModelAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            _waiting.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
        }

        return await inner.DescribeModelAsync(cancellationToken);
    }

    public Task<CaptionSettings> DefaultSettingsAsync(CancellationToken cancellationToken = default) => inner.DefaultSettingsAsync(cancellationToken);
}
