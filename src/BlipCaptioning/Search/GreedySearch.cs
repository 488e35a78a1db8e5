using System.Buffers;
using System.Runtime.CompilerServices;

namespace BlipCaptioning.Search;

/// <summary>
/// transformers' greedy decoding (<c>GenerationMixin._sample</c> with <c>do_sample=False</c>, v4.46): at every step
/// the logits processors run on the last position's logits and the argmax (lowest id on ties) is appended; a row
/// stops when it produces the end-of-sequence id (kept) and is padded afterwards; the call stops when every row has
/// stopped or the sequence reaches the maximum length.
/// </summary>
public sealed class GreedySearch : ISearchStrategy
{
    private readonly GenerationSettings _settings;

    /// <summary>Creates a greedy search.</summary>
    /// <param name="settings">Resolved settings; <see cref="GenerationSettings.NumBeams"/> must be 1.</param>
    /// <exception cref="ArgumentException">The settings ask for more than one beam.</exception>
    public GreedySearch(GenerationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.NumBeams != 1)
        {
            throw new ArgumentException($"Greedy search runs one beam; these settings ask for {settings.NumBeams}. Use BeamSearch or GenerationSettings.CreateStrategy().", nameof(settings));
        }

        _settings = settings;
    }

    /// <inheritdoc />
    public int RowsPerImage => 1;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IReadOnlyList<GeneratedSequence> Generate(IDecoderRun decoder, ReadOnlySpan<long> decoderStart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        SearchArguments.Check(decoder, decoderStart, RowsPerImage);
        _settings.Validate(decoderStart.Length);

        var rows = decoder.Rows;
        var vocabulary = decoder.VocabularySize;
        var promptLength = decoderStart.Length;
        var maxLength = _settings.EffectiveMaxLength(promptLength);
        var eos = _settings.EndOfSequenceTokenId;

        // Everything the loop touches is allocated here, once per call: ids [rows, maxLength], logits [rows, vocabulary].
        var ids = new long[rows * maxLength];
        var feed = new long[rows * promptLength];
        var logits = ArrayPool<float>.Shared.Rent(rows * vocabulary);
        var scratch = ArrayPool<float>.Shared.Rent(vocabulary);
        var logProbabilitySums = new double[rows];
        var steps = new int[rows];
        var ended = new bool[rows];
        var processing = new LogitsProcessing(_settings, vocabulary);
        try
        {
            for (var row = 0; row < rows; row++)
            {
                decoderStart.CopyTo(ids.AsSpan(row * maxLength, promptLength));
                decoderStart.CopyTo(feed.AsSpan(row * promptLength, promptLength));
            }

            cancellationToken.ThrowIfCancellationRequested();
            decoder.Advance(feed, promptLength, logits.AsSpan(0, rows * vocabulary), cancellationToken);

            var length = promptLength;
            var unfinished = rows;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var row = 0; row < rows; row++)
                {
                    long next;
                    if (ended[row])
                    {
                        next = _settings.PadTokenId;
                    }
                    else
                    {
                        var scores = logits.AsSpan(row * vocabulary, vocabulary);
                        processing.Apply(ids.AsSpan(row * maxLength, length), scores);
                        var token = LogitsProcessing.ArgMax(scores);
                        logProbabilitySums[row] += LogitsProcessing.LogProbability(scores, token, scratch);
                        steps[row]++;
                        next = token;
                        if (next == eos)
                        {
                            ended[row] = true;
                            unfinished--;
                        }
                    }

                    ids[(row * maxLength) + length] = next;
                    feed[row] = next;
                }

                length++;
                if (unfinished == 0 || length >= maxLength)
                {
                    break;
                }

                decoder.Advance(feed.AsSpan(0, rows), 1, logits.AsSpan(0, rows * vocabulary), cancellationToken);
            }

            var results = new GeneratedSequence[rows];
            for (var row = 0; row < rows; row++)
            {
                var rowLength = promptLength + steps[row];
                results[row] = new GeneratedSequence(
                    ids.AsSpan(row * maxLength, rowLength).ToArray(),
                    promptLength,
                    steps[row] == 0 ? 0 : logProbabilitySums[row] / steps[row],
                    steps[row],
                    ended[row]);
            }

            return results;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(logits);
            ArrayPool<float>.Shared.Return(scratch);
        }
    }
}
