namespace BlipCaptioning.Search;

/// <summary>
/// transformers' <c>BeamHypotheses</c> (v4.46) for one image: the best <c>numBeams</c> finished hypotheses in
/// preallocated slots, with the same insertion, eviction and tie rules (list order is kept: eviction removes the
/// first hypothesis among the lowest scores, <see cref="Best"/> returns the last among the highest).
/// </summary>
internal sealed class BeamHypotheses
{
    private readonly int _numBeams;
    private readonly int _maxLength;
    private readonly double _lengthPenalty;
    private readonly bool _earlyStopping;
    private readonly long[] _ids;
    private readonly int[] _lengths;
    private readonly double[] _scores;
    private readonly int[] _order; // slot indices in list order
    private readonly Stack<int> _free;
    private int _count;
    private double _worstScore = 1e9;

    public BeamHypotheses(int numBeams, int maxLength, double lengthPenalty, bool earlyStopping)
    {
        _numBeams = numBeams;
        _maxLength = maxLength;
        _lengthPenalty = lengthPenalty;
        _earlyStopping = earlyStopping;
        var slots = numBeams + 1;
        _ids = new long[slots * maxLength];
        _lengths = new int[slots];
        _scores = new double[slots];
        _order = new int[slots];
        _free = new Stack<int>(slots);
        for (var slot = slots - 1; slot >= 0; slot--)
        {
            _free.Push(slot);
        }
    }

    public int Count => _count;

    /// <summary>Offers a hypothesis: score = sumLogProbabilities / generatedLength ^ lengthPenalty.</summary>
    /// <param name="ids">The hypothesis (without the end-of-sequence id, as transformers stores it).</param>
    /// <param name="sumLogProbabilities">The beam score (float32 in transformers, widened to double by .item()).</param>
    /// <param name="generatedLength">Tokens after the prompt, the end-of-sequence id included when it ended one.</param>
    public void Add(ReadOnlySpan<long> ids, float sumLogProbabilities, int generatedLength)
    {
        var score = sumLogProbabilities / Math.Pow(generatedLength, _lengthPenalty);
        if (_count < _numBeams || score > _worstScore)
        {
            var slot = _free.Pop();
            ids.CopyTo(_ids.AsSpan(slot * _maxLength, ids.Length));
            _lengths[slot] = ids.Length;
            _scores[slot] = score;
            _order[_count++] = slot;

            if (_count > _numBeams)
            {
                // sorted([(s, idx)])[0] is evicted (lowest score, then lowest list index); the new worst is sorted[1].
                var worst = 0;
                for (var i = 1; i < _count; i++)
                {
                    if (_scores[_order[i]] < _scores[_order[worst]])
                    {
                        worst = i;
                    }
                }

                _free.Push(_order[worst]);
                Array.Copy(_order, worst + 1, _order, worst, _count - worst - 1);
                _count--;

                _worstScore = double.PositiveInfinity;
                for (var i = 0; i < _count; i++)
                {
                    _worstScore = Math.Min(_worstScore, _scores[_order[i]]);
                }
            }
            else
            {
                _worstScore = Math.Min(score, _worstScore);
            }
        }
    }

    /// <summary>transformers' <c>is_done</c> for early_stopping true/false.</summary>
    /// <param name="bestSumLogProbabilities">The best candidate score of this step.</param>
    /// <param name="currentLength">Sequence length the candidate scores were computed for (input length + 1).</param>
    /// <param name="promptLength">The decoder prompt length.</param>
    public bool IsDone(float bestSumLogProbabilities, int currentLength, int promptLength)
    {
        if (_count < _numBeams)
        {
            return false;
        }

        if (_earlyStopping)
        {
            return true;
        }

        var highestAttainableScore = bestSumLogProbabilities / Math.Pow(currentLength - promptLength, _lengthPenalty);
        return _worstScore >= highestAttainableScore;
    }

    /// <summary>The winner: highest score; among equal scores the last in list order (Python's stable sort, then pop()).</summary>
    public (ReadOnlyMemory<long> Ids, double Score) Best()
    {
        var best = 0;
        for (var i = 1; i < _count; i++)
        {
            if (_scores[_order[i]] >= _scores[_order[best]])
            {
                best = i;
            }
        }

        var slot = _order[best];
        return (_ids.AsMemory(slot * _maxLength, _lengths[slot]), _scores[slot]);
    }
}
