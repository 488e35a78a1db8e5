using BlipCaptioning.Search;

namespace BlipCaptioning.Tests.Search;

/// <summary>
/// The step loops allocate nothing: running 360 more steps costs only the per-call buffers that are sized by the
/// maximum length (ids, hypotheses, the result), never an object per step.
/// </summary>
public sealed class SearchAllocationTests
{
    private static readonly long[] s_start = [30522];

    // An allocation-free decoder: every row always prefers 9, then 8, and never ends.
    private sealed class NeverEndingDecoderRun(int rows) : IDecoderRun
    {
        public int Rows => rows;

        public int VocabularySize => 30524;

        public void Advance(ReadOnlySpan<long> newIds, int sequenceLength, Span<float> logits, CancellationToken cancellationToken)
        {
            logits.Fill(float.NegativeInfinity);
            for (var row = 0; row < rows; row++)
            {
                logits[(row * VocabularySize) + 9] = 0f;
                logits[(row * VocabularySize) + 8] = -1f;
            }
        }

        public void ReorderRows(ReadOnlySpan<int> sources)
        {
        }

        public void Dispose()
        {
        }
    }

    private static long AllocatedBytes(GenerationSettings settings)
    {
        var search = settings.CreateStrategy();
        using var decoder = new NeverEndingDecoderRun(search.RowsPerImage);
        search.Generate(decoder, s_start, CancellationToken.None); // warm the array pool and the JIT
        var before = GC.GetAllocatedBytesForCurrentThread();
        search.Generate(decoder, s_start, CancellationToken.None);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Generate_Greedy_AllocatesNothingPerStep()
    {
        var shortRun = AllocatedBytes(GenerationSettings.Default with { MaxLength = 40 });
        var longRun = AllocatedBytes(GenerationSettings.Default with { MaxLength = 400 });

        // Per extra position: 8 bytes in the ids buffer and 8 in the result = 16; any object per step adds >= 24.
        Assert.InRange(longRun - shortRun, 0, 20 * 360);
    }

    [Fact]
    public void Generate_ThreeBeams_AllocatesNothingPerStep()
    {
        var shortRun = AllocatedBytes(GenerationSettings.Default with { NumBeams = 3, MaxLength = 40 });
        var longRun = AllocatedBytes(GenerationSettings.Default with { NumBeams = 3, MaxLength = 400 });

        // Per extra position: two id buffers of 3 rows (48 bytes), 4 hypothesis slots (32) and the result (8) = 88.
        Assert.InRange(longRun - shortRun, 0, 100 * 360);
    }
}
