using BlipCaptioning;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>
/// Test double around the real captioner: the first caption waits until the test opens the gate, so a test can make
/// an older invocation finish after a newer one. Every caption is made by the real tiny model; the held one's text
/// starts with <see cref="HeldMarker"/> so that a test can tell where a caption came from.
/// </summary>
public sealed class GatedCaptionerTestDouble(IImageCaptioner inner) : IImageCaptioner
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstWaiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    public const string HeldMarker = "held ";

    /// <summary>Completes when the first caption is waiting at the gate.</summary>
    public Task FirstCallWaiting => _firstWaiting.Task;

    public int Calls => Volatile.Read(ref _calls);

    public void Open() => _gate.TrySetResult();

    public async Task<Caption> CaptionAsync(Stream image, CaptionSettings? settings = null, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _calls) == 1)
        {
            _firstWaiting.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
            Caption held = await inner.CaptionAsync(image, settings, cancellationToken);
            return held with { Text = HeldMarker + held.Text };
        }

        return await inner.CaptionAsync(image, settings, cancellationToken);
    }

    public Task<IReadOnlyList<Caption>> CaptionBatchAsync(IReadOnlyList<Stream> images, CaptionSettings? settings = null, CancellationToken cancellationToken = default) =>
        inner.CaptionBatchAsync(images, settings, cancellationToken);

    public Task<ModelDescription> DescribeModelAsync(CancellationToken cancellationToken = default) => inner.DescribeModelAsync(cancellationToken);

    public Task<CaptionSettings> DefaultSettingsAsync(CancellationToken cancellationToken = default) => inner.DefaultSettingsAsync(cancellationToken);
}
