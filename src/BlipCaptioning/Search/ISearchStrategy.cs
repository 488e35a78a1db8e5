namespace BlipCaptioning.Search;

/// <summary>A decoding strategy (greedy or beam search) that drives an <see cref="IDecoderRun"/> to finished sequences.</summary>
public interface ISearchStrategy
{
    /// <summary>Decoder rows each image needs: 1 for greedy search, the number of beams for beam search.</summary>
    int RowsPerImage { get; }

    /// <summary>
    /// Generates one sequence per image. <paramref name="decoder"/> must have <c>images x <see cref="RowsPerImage"/></c>
    /// rows, grouped by image, and an empty cache; every image starts from <paramref name="decoderStart"/>.
    /// </summary>
    /// <param name="decoder">The decoder run; the strategy feeds it and reorders its rows, the caller disposes it.</param>
    /// <param name="decoderStart">[DEC] followed by the prompt ids (<c>BlipTokenizer.EncodePrompt</c>).</param>
    /// <param name="cancellationToken">Checked before every decoder step.</param>
    /// <returns>One sequence per image, in image order.</returns>
    /// <exception cref="ArgumentException">The decoder's rows are not a multiple of <see cref="RowsPerImage"/>, or the start is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The settings do not fit the prompt (see <see cref="GenerationSettings.Validate"/>).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    IReadOnlyList<GeneratedSequence> Generate(IDecoderRun decoder, ReadOnlySpan<long> decoderStart, CancellationToken cancellationToken);
}
