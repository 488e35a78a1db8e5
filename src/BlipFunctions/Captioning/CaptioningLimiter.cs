using BlipFunctions.Configuration;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Captioning;

/// <summary>
/// Bounds the captions running at once in this worker (blob trigger and POST together) to
/// <c>Captioning__MaxConcurrency</c>, so parallel blobs do not oversubscribe the CPU or the memory.
/// </summary>
public sealed class CaptioningLimiter : IDisposable
{
    private readonly SemaphoreSlim _slots;

    public CaptioningLimiter(IOptions<CaptionPipelineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        MaxConcurrency = options.Value.MaxConcurrency;
        _slots = new SemaphoreSlim(MaxConcurrency, MaxConcurrency);
    }

    public int MaxConcurrency { get; }

    /// <summary>Waits for a slot; dispose the result to give it back.</summary>
    public async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
