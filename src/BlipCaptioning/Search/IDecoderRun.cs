namespace BlipCaptioning.Search;

/// <summary>
/// The decoder state of one generation call: a fixed number of rows (images x rows per image, grouped by image:
/// row r belongs to image r / RowsPerImage) and their self-attention key/value cache. Search strategies drive it
/// one step at a time; the ONNX implementation owns the cache tensors, a scripted one serves tests.
/// </summary>
public interface IDecoderRun : IDisposable
{
    /// <summary>Rows in the run (images x rows per image).</summary>
    int Rows { get; }

    /// <summary>Width of a logits row (30524 for BLIP).</summary>
    int VocabularySize { get; }

    /// <summary>
    /// Feeds <paramref name="sequenceLength"/> new ids per row (<paramref name="newIds"/> is row-major [Rows, sequenceLength])
    /// and writes the logits of each row's last position into <paramref name="logits"/> ([Rows, VocabularySize]).
    /// The first call carries [DEC] and the prompt; later calls one id per row.
    /// </summary>
    void Advance(ReadOnlySpan<long> newIds, int sequenceLength, Span<float> logits, CancellationToken cancellationToken);

    /// <summary>Beam search: after this call row i's cache is what row <paramref name="sources"/>[i]'s was (sources stay within an image's group).</summary>
    void ReorderRows(ReadOnlySpan<int> sources);
}
