using BlipCaptioning.Search;

namespace BlipCaptioning.Tests.Search;

/// <summary>Fills the next-token logits of one row from what that row has been fed after its prompt.</summary>
internal delegate void NextTokenScript(int image, ReadOnlySpan<long> generated, Span<float> logits);

/// <summary>
/// An <see cref="IDecoderRun"/> whose logits are a known function of each row's own history, so the best sequence
/// is known by hand. Its "cache" is that history: it follows <see cref="ReorderRows"/> exactly as the ONNX cache must,
/// so a strategy that reorders wrongly gets wrong logits. It also enforces the seam's contract (first call carries
/// the prompt, later calls one id per row, reorder sources inside the image's group) and records every call.
/// </summary>
internal sealed class ScriptedDecoderRun : IDecoderRun
{
    private readonly NextTokenScript _script;
    private readonly int _firstImage;
    private List<long>[] _histories;
    private int _promptLength = -1;

    /// <param name="images">Images in the run.</param>
    /// <param name="rowsPerImage">1 for greedy, the beams for beam search.</param>
    /// <param name="script">The logits of a row given its generated ids; unset entries stay -infinity.</param>
    /// <param name="firstImage">Image index the script sees for the first image (to run image k on its own).</param>
    /// <param name="vocabularySize">Logits width (BLIP's 30524 by default).</param>
    public ScriptedDecoderRun(int images, int rowsPerImage, NextTokenScript script, int firstImage = 0, int vocabularySize = 30524)
    {
        RowsPerImage = rowsPerImage;
        Rows = images * rowsPerImage;
        VocabularySize = vocabularySize;
        _script = script;
        _firstImage = firstImage;
        _histories = Enumerable.Range(0, Rows).Select(_ => new List<long>()).ToArray();
    }

    public int Rows { get; }

    public int VocabularySize { get; }

    public int RowsPerImage { get; }

    /// <summary>Advance calls so far (the first one carries the prompt).</summary>
    public int AdvanceCalls { get; private set; }

    /// <summary>Every ReorderRows call's sources.</summary>
    public List<int[]> Reorders { get; } = [];

    /// <summary>Runs after every Advance with the number of calls so far (e.g. to cancel a token mid-generation).</summary>
    public Action<int>? AfterAdvance { get; init; }

    public bool Disposed { get; private set; }

    /// <summary>What row <paramref name="row"/> has been fed so far: its prompt, its tokens, pads after it finished.</summary>
    public IReadOnlyList<long> History(int row) => _histories[row];

    public void Advance(ReadOnlySpan<long> newIds, int sequenceLength, Span<float> logits, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        if (newIds.Length != Rows * sequenceLength || logits.Length != Rows * VocabularySize)
        {
            throw new InvalidOperationException($"Advance got {newIds.Length} ids / {logits.Length} logits for {Rows} rows of {sequenceLength}.");
        }

        if (AdvanceCalls == 0)
        {
            _promptLength = sequenceLength;
        }
        else if (sequenceLength != 1)
        {
            throw new InvalidOperationException($"Only the first Advance may carry several ids per row; call {AdvanceCalls + 1} carried {sequenceLength}.");
        }

        AdvanceCalls++;
        for (var row = 0; row < Rows; row++)
        {
            _histories[row].AddRange(newIds.Slice(row * sequenceLength, sequenceLength));
            var rowLogits = logits.Slice(row * VocabularySize, VocabularySize);
            rowLogits.Fill(float.NegativeInfinity);
            var generated = _histories[row].ToArray().AsSpan(_promptLength);
            _script(_firstImage + (row / RowsPerImage), generated, rowLogits);
        }

        AfterAdvance?.Invoke(AdvanceCalls);
    }

    public void ReorderRows(ReadOnlySpan<int> sources)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        if (AdvanceCalls == 0)
        {
            throw new InvalidOperationException("ReorderRows before the first Advance: there is no cache to reorder.");
        }

        if (sources.Length != Rows)
        {
            throw new InvalidOperationException($"ReorderRows got {sources.Length} sources for {Rows} rows.");
        }

        for (var row = 0; row < Rows; row++)
        {
            if (sources[row] < 0 || sources[row] >= Rows || sources[row] / RowsPerImage != row / RowsPerImage)
            {
                throw new InvalidOperationException($"Row {row} (image {row / RowsPerImage}) takes the cache of row {sources[row]}, outside its image's rows.");
            }
        }

        var previous = _histories;
        var reordered = new List<long>[Rows];
        for (var row = 0; row < Rows; row++)
        {
            reordered[row] = [.. previous[sources[row]]];
        }

        _histories = reordered;
        Reorders.Add(sources.ToArray());
    }

    public void Dispose() => Disposed = true;
}
