using BlipCaptioning.Inference;
using BlipCaptioning.Search;
using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>
/// The baseline the caches are measured against: a decoder run that keeps no self-attention cache, so every step runs
/// the decoder over the whole sequence so far from an empty cache, and (unless <c>recomputeCrossAttention</c> is off)
/// recomputes the cross-attention keys and values from the image embeddings at every step, as a decoder without the
/// text_cross_kv split would. Same graphs, same search, same ids; only the work per step differs.
/// </summary>
internal sealed class NaiveDecoderRun : IDecoderRun
{
    private readonly BlipModel _model;
    private readonly OrtValue _imageEmbeds;
    private readonly bool _recomputeCrossAttention;
    private readonly int _rowsPerImage;
    private readonly List<long>[] _history;
    private CrossAttentionCache? _cross;

    public NaiveDecoderRun(BlipModel model, OrtValue imageEmbeds, int images, int rowsPerImage, bool recomputeCrossAttention)
    {
        _model = model;
        _imageEmbeds = imageEmbeds;
        _recomputeCrossAttention = recomputeCrossAttention;
        _rowsPerImage = rowsPerImage;
        Rows = images * rowsPerImage;
        VocabularySize = model.Manifest.Text.VocabSize;
        _history = new List<long>[Rows];
        for (int row = 0; row < Rows; row++)
        {
            _history[row] = [];
        }
    }

    public int Rows { get; }

    public int VocabularySize { get; }

    public void Advance(ReadOnlySpan<long> newIds, int sequenceLength, Span<float> logits, CancellationToken cancellationToken)
    {
        for (int row = 0; row < Rows; row++)
        {
            foreach (long id in newIds.Slice(row * sequenceLength, sequenceLength))
            {
                _history[row].Add(id);
            }
        }

        int length = _history[0].Count;
        var all = new long[Rows * length];
        for (int row = 0; row < Rows; row++)
        {
            _history[row].CopyTo(all, row * length);
        }

        if (_recomputeCrossAttention || _cross is null)
        {
            _cross?.Dispose();
            _cross = _model.ComputeCrossAttention(_imageEmbeds, cancellationToken);
        }

        using var decoder = _model.StartDecoder(_cross, _rowsPerImage);
        decoder.Advance(all, length, logits, cancellationToken);
    }

    public void ReorderRows(ReadOnlySpan<int> sources)
    {
        var copies = _history.Select(h => h.ToArray()).ToArray();
        for (int row = 0; row < Rows; row++)
        {
            _history[row].Clear();
            _history[row].AddRange(copies[sources[row]]);
        }
    }

    public void Dispose()
    {
        _cross?.Dispose();
        _cross = null;
    }
}
