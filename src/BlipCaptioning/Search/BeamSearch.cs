using System.Buffers;

namespace BlipCaptioning.Search;

/// <summary>
/// transformers' beam search (<c>GenerationMixin._beam_search</c> with <c>BeamSearchScorer</c>, v4.46; the same rules
/// hold from v4.38 to v4.49). Per step: log_softmax of each row's logits, the logits processors on those
/// log-probabilities, plus the row's beam score; the top 2 x num_beams candidates of an image (over all its beams)
/// are walked in order: an end-of-sequence candidate ranked within the first num_beams becomes a finished hypothesis
/// (score = sum / generated_length ^ length_penalty, generated_length counting the new tokens and the end id but not
/// [DEC] or the prompt); other candidates fill the next beams. The first step only extends beam 0 (the other beams
/// start at -1e9). An image is done per <c>BeamHypotheses.is_done</c> (early_stopping true: num_beams finished;
/// false: the best candidate / (length - prompt)^length_penalty cannot beat the worst finished one). At the maximum
/// length the open beams join the hypotheses; the best hypothesis wins and gets the end id appended if it fits.
/// </summary>
/// <remarks>
/// Candidate ties (equal scores) are ordered by beam, then token id (lowest first); torch.topk does not define it.
/// The decoder cache follows the beams through <see cref="IDecoderRun.ReorderRows"/>, whose sources always stay in
/// the image's own rows (a finished image keeps its rows in place).
/// </remarks>
public sealed class BeamSearch : ISearchStrategy
{
    private readonly GenerationSettings _settings;
    private readonly BeamStopHeuristic _heuristic;

    /// <summary>Creates a beam search (transformers 4.46's stopping heuristic).</summary>
    /// <param name="settings">Resolved settings with 2 or more beams.</param>
    /// <exception cref="ArgumentException">The settings ask for a single beam (use <see cref="GreedySearch"/>).</exception>
    public BeamSearch(GenerationSettings settings)
        : this(settings, BeamStopHeuristic.BestCandidate)
    {
    }

    /// <summary>Creates a beam search with the given early_stopping=false heuristic (see <see cref="BeamStopHeuristic"/>).</summary>
    internal BeamSearch(GenerationSettings settings, BeamStopHeuristic heuristic)
    {
        _heuristic = heuristic;
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.NumBeams < 2)
        {
            throw new ArgumentException($"Beam search needs at least 2 beams; these settings ask for {settings.NumBeams}. Use GreedySearch or GenerationSettings.CreateStrategy().", nameof(settings));
        }

        _settings = settings;
    }

    /// <inheritdoc />
    public int RowsPerImage => _settings.NumBeams;

    /// <inheritdoc />
    public IReadOnlyList<GeneratedSequence> Generate(IDecoderRun decoder, ReadOnlySpan<long> decoderStart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        SearchArguments.Check(decoder, decoderStart, RowsPerImage);
        _settings.Validate(decoderStart.Length);

        var beams = _settings.NumBeams;
        var rows = decoder.Rows;
        var images = rows / beams;
        var vocabulary = decoder.VocabularySize;
        var promptLength = decoderStart.Length;
        var maxLength = _settings.EffectiveMaxLength(promptLength);
        var eos = _settings.EndOfSequenceTokenId;
        var candidatesPerImage = 2 * beams; // max(2, 1 + number of eos ids) * num_beams with one eos id

        // Allocated once per call; the loop allocates nothing.
        var ids = new long[rows * maxLength];
        var reorderedIds = new long[rows * maxLength];
        var feed = new long[rows * promptLength];
        var logits = ArrayPool<float>.Shared.Rent(rows * vocabulary);
        var scratch = ArrayPool<float>.Shared.Rent(vocabulary);
        var beamScores = new float[rows];
        var nextScores = new float[rows];
        var sources = new int[rows];
        var candidateScores = new float[candidatesPerImage];
        var candidateRows = new int[candidatesPerImage];
        var candidateTokens = new int[candidatesPerImage];
        var done = new bool[images];
        var steps = new int[images];
        var hypotheses = new BeamHypotheses[images];
        var processing = new LogitsProcessing(_settings, vocabulary);
        try
        {
            for (var image = 0; image < images; image++)
            {
                hypotheses[image] = new BeamHypotheses(beams, maxLength, _settings.LengthPenalty, _settings.EarlyStopping);
            }

            for (var row = 0; row < rows; row++)
            {
                decoderStart.CopyTo(ids.AsSpan(row * maxLength, promptLength));
                decoderStart.CopyTo(feed.AsSpan(row * promptLength, promptLength));
                beamScores[row] = row % beams == 0 ? 0f : -1e9f;
            }

            cancellationToken.ThrowIfCancellationRequested();
            decoder.Advance(feed, promptLength, logits.AsSpan(0, rows * vocabulary), cancellationToken);

            var length = promptLength;
            var remaining = images;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var image = 0; image < images; image++)
                {
                    var firstRow = image * beams;
                    if (done[image])
                    {
                        // BeamSearchScorer pads a finished image: score 0, pad token; its cache rows stay where they are.
                        for (var beam = 0; beam < beams; beam++)
                        {
                            nextScores[firstRow + beam] = 0f;
                            feed[firstRow + beam] = _settings.PadTokenId;
                            sources[firstRow + beam] = firstRow + beam;
                        }

                        continue;
                    }

                    steps[image]++;
                    for (var beam = 0; beam < beams; beam++)
                    {
                        var row = firstRow + beam;
                        var scores = logits.AsSpan(row * vocabulary, vocabulary);
                        LogitsProcessing.LogSoftmax(scores, scratch);
                        processing.Apply(ids.AsSpan(row * maxLength, length), scores);
                        AddScalar(scores, beamScores[row]);
                    }

                    var candidates = SelectTopCandidates(logits.AsSpan(firstRow * vocabulary, beams * vocabulary), vocabulary, candidateScores, candidateRows, candidateTokens);
                    var filled = 0;
                    for (var rank = 0; rank < candidates && filled < beams; rank++)
                    {
                        var sourceRow = firstRow + candidateRows[rank];
                        if (candidateTokens[rank] == eos)
                        {
                            if (rank >= beams)
                            {
                                continue;
                            }

                            hypotheses[image].Add(ids.AsSpan(sourceRow * maxLength, length), candidateScores[rank], length + 1 - promptLength);
                        }
                        else
                        {
                            nextScores[firstRow + filled] = candidateScores[rank];
                            feed[firstRow + filled] = candidateTokens[rank];
                            sources[firstRow + filled] = sourceRow;
                            filled++;
                        }
                    }

                    if (filled < beams)
                    {
                        throw new InvalidOperationException(
                            $"Beam search found only {filled} of {beams} continuations that are not the end-of-sequence id; the decoder's vocabulary ({vocabulary}) is too small for {beams} beams.");
                    }

                    var bestScore = _heuristic == BeamStopHeuristic.BestCandidate ? candidateScores[0] : nextScores[firstRow];
                    if (hypotheses[image].IsDone(bestScore, length + 1, promptLength))
                    {
                        done[image] = true;
                        remaining--;
                    }
                }

                // input_ids = cat(input_ids[beam_idx], next_tokens): copy each row's source, then append its token.
                for (var row = 0; row < rows; row++)
                {
                    ids.AsSpan(sources[row] * maxLength, length).CopyTo(reorderedIds.AsSpan(row * maxLength, length));
                    reorderedIds[(row * maxLength) + length] = feed[row];
                }

                (ids, reorderedIds) = (reorderedIds, ids);
                nextScores.CopyTo(beamScores, 0);
                length++;

                if (remaining == 0 || length >= maxLength)
                {
                    break;
                }

                if (!IsIdentity(sources))
                {
                    decoder.ReorderRows(sources);
                }

                decoder.Advance(feed.AsSpan(0, rows), 1, logits.AsSpan(0, rows * vocabulary), cancellationToken);
            }

            var results = new GeneratedSequence[images];
            for (var image = 0; image < images; image++)
            {
                var hypothesesOfImage = hypotheses[image];
                if (!done[image])
                {
                    for (var beam = 0; beam < beams; beam++)
                    {
                        var row = (image * beams) + beam;
                        hypothesesOfImage.Add(ids.AsSpan(row * maxLength, length), beamScores[row], length - promptLength);
                    }
                }

                var (best, score) = hypothesesOfImage.Best();
                var ended = best.Length < maxLength;
                var sequence = new long[best.Length + (ended ? 1 : 0)];
                best.Span.CopyTo(sequence);
                if (ended)
                {
                    sequence[^1] = eos;
                }

                results[image] = new GeneratedSequence(sequence, promptLength, score, steps[image], ended);
            }

            return results;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(logits);
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    private static void AddScalar(Span<float> scores, float value)
    {
        System.Numerics.Tensors.TensorPrimitives.Add(scores, value, scores);
    }

    // torch.topk(scores.view(num_beams * vocab), 2 * num_beams, sorted=True) over one image's beams. Returns how many
    // candidates were found (fewer only when the rows are shorter than the request). Equal scores keep flat order.
    private static int SelectTopCandidates(ReadOnlySpan<float> imageScores, int vocabulary, Span<float> scores, Span<int> rows, Span<int> tokens)
    {
        var capacity = scores.Length;
        var count = 0;
        for (var flat = 0; flat < imageScores.Length; flat++)
        {
            var score = imageScores[flat];
            if (count == capacity && !(score > scores[count - 1]))
            {
                continue;
            }

            var position = count == capacity ? count - 1 : count;
            while (position > 0 && score > scores[position - 1])
            {
                if (position < capacity)
                {
                    scores[position] = scores[position - 1];
                    rows[position] = rows[position - 1];
                    tokens[position] = tokens[position - 1];
                }

                position--;
            }

            scores[position] = score;
            rows[position] = flat / vocabulary;
            tokens[position] = flat % vocabulary;
            if (count < capacity)
            {
                count++;
            }
        }

        return count;
    }

    private static bool IsIdentity(ReadOnlySpan<int> sources)
    {
        for (var i = 0; i < sources.Length; i++)
        {
            if (sources[i] != i)
            {
                return false;
            }
        }

        return true;
    }
}
