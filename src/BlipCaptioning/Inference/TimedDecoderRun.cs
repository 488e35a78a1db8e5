using System.Diagnostics;
using BlipCaptioning.Search;

namespace BlipCaptioning.Inference;

/// <summary>What <see cref="TimedDecoderRun"/> records for <c>blip bench</c>: every step's time, and the managed bytes the steps allocated.</summary>
internal sealed class DecoderStepTrace
{
    /// <summary>Wall-clock time of each decoder step, in step order.</summary>
    public List<TimeSpan> Times { get; } = new(64);

    /// <summary>Managed bytes allocated on the calling thread inside the steps (ONNX Runtime's native memory is not counted).</summary>
    public long AllocatedBytes { get; set; }

    public void Clear()
    {
        Times.Clear();
        AllocatedBytes = 0;
    }
}

/// <summary>
/// Wraps a decoder run and records the wall-clock time and managed allocations of every <see cref="Advance"/> (one
/// decoder step) into a <see cref="DecoderStepTrace"/>. Only used when a caller asks for step times.
/// </summary>
internal sealed class TimedDecoderRun(IDecoderRun inner, DecoderStepTrace trace) : IDecoderRun
{
    public int Rows => inner.Rows;

    public int VocabularySize => inner.VocabularySize;

    public void Advance(ReadOnlySpan<long> newIds, int sequenceLength, Span<float> logits, CancellationToken cancellationToken)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long started = Stopwatch.GetTimestamp();
        inner.Advance(newIds, sequenceLength, logits, cancellationToken);
        trace.Times.Add(Stopwatch.GetElapsedTime(started));
        trace.AllocatedBytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
    }

    public void ReorderRows(ReadOnlySpan<int> sources) => inner.ReorderRows(sources);

    // The inner run belongs to the caller that created it.
    public void Dispose()
    {
    }
}
