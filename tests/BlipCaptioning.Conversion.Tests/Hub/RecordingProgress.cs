using System.Collections.Concurrent;
using BlipCaptioning.Conversion.Hub;

namespace BlipCaptioning.Conversion.Tests.Hub;

/// <summary>Records every progress report synchronously (unlike Progress&lt;T&gt;, which posts them later).</summary>
internal sealed class RecordingProgress(Action<DownloadProgress>? onReport = null) : IProgress<DownloadProgress>
{
    public ConcurrentQueue<DownloadProgress> Reports { get; } = new();

    public void Report(DownloadProgress value)
    {
        Reports.Enqueue(value);
        onReport?.Invoke(value);
    }
}
