using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace BlipCaptioning.Search;

/// <summary>
/// transformers' logits processors used by BLIP captioning, applied in transformers' order (repetition penalty,
/// no-repeat n-gram, min length) to one row of scores, plus argmax and log-softmax. Nothing here allocates.
/// </summary>
internal sealed class LogitsProcessing
{
    private readonly GenerationSettings _settings;
    private readonly int[] _seenStamp;
    private int _stamp;

    /// <param name="settings">The call's settings.</param>
    /// <param name="vocabularySize">Width of a score row.</param>
    public LogitsProcessing(GenerationSettings settings, int vocabularySize)
    {
        _settings = settings;
        _seenStamp = settings.RepetitionPenalty != 1.0 ? new int[vocabularySize] : [];
    }

    /// <summary>Applies the enabled processors to <paramref name="scores"/> given the row's sequence so far.</summary>
    /// <param name="sequence">The row's ids: [DEC], prompt and generated ids (transformers' input_ids row).</param>
    /// <param name="scores">Logits (greedy) or log-probabilities (beam search) of the next token, modified in place.</param>
    public void Apply(ReadOnlySpan<long> sequence, Span<float> scores)
    {
        if (_settings.RepetitionPenalty != 1.0)
        {
            ApplyRepetitionPenalty(sequence, scores);
        }

        if (_settings.NoRepeatNgramSize > 0)
        {
            BanRepeatedNgrams(sequence, scores, _settings.NoRepeatNgramSize);
        }

        // MinLengthLogitsProcessor: input_ids.shape[-1] < min_length -> eos score = -inf.
        if (sequence.Length < _settings.MinLength && _settings.EndOfSequenceTokenId < scores.Length)
        {
            scores[(int)_settings.EndOfSequenceTokenId] = float.NegativeInfinity;
        }
    }

    // RepetitionPenaltyLogitsProcessor: every id present in input_ids (prompt and [DEC] included), once:
    // score < 0 ? score * penalty : score / penalty. The stamp array marks ids already penalised in this call.
    private void ApplyRepetitionPenalty(ReadOnlySpan<long> sequence, Span<float> scores)
    {
        var penalty = (float)_settings.RepetitionPenalty;
        var stamp = ++_stamp;
        foreach (var id in sequence)
        {
            if ((ulong)id >= (ulong)scores.Length || _seenStamp[id] == stamp)
            {
                continue;
            }

            _seenStamp[id] = stamp;
            var score = scores[(int)id];
            scores[(int)id] = score < 0 ? score * penalty : score / penalty;
        }
    }

    // NoRepeatNGramLogitsProcessor: ban every token that would complete an n-gram already present in the sequence
    // (the last n-1 ids are the n-gram's prefix). Nothing is banned while the sequence is shorter than n-1.
    private static void BanRepeatedNgrams(ReadOnlySpan<long> sequence, Span<float> scores, int n)
    {
        var length = sequence.Length;
        if (length + 1 < n)
        {
            return;
        }

        var prefix = sequence[(length - n + 1)..];
        for (var start = 0; start + n <= length; start++)
        {
            if (sequence.Slice(start, n - 1).SequenceEqual(prefix))
            {
                var banned = sequence[start + n - 1];
                if ((ulong)banned < (ulong)scores.Length)
                {
                    scores[(int)banned] = float.NegativeInfinity;
                }
            }
        }
    }

    /// <summary>Index of the largest score; on exact ties the lowest index, as torch.argmax.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ArgMax(ReadOnlySpan<float> scores)
    {
        var best = 0;
        var bestScore = scores[0];
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > bestScore)
            {
                bestScore = scores[i];
                best = i;
            }
        }

        return best;
    }

    /// <summary>log_softmax(scores)[index] as torch computes it: (x - max) - log(sum(exp(x - max))).</summary>
    /// <param name="scores">The row.</param>
    /// <param name="index">The token.</param>
    /// <param name="scratch">A buffer at least as long as the row.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float LogProbability(ReadOnlySpan<float> scores, int index, Span<float> scratch)
    {
        var max = TensorPrimitives.Max(scores);
        var shifted = scratch[..scores.Length];
        TensorPrimitives.Subtract(scores, max, shifted);
        var chosen = shifted[index];
        TensorPrimitives.Exp(shifted, shifted);
        return chosen - MathF.Log(TensorPrimitives.Sum(shifted));
    }

    /// <summary>In-place log_softmax as torch computes it: (x - max) - log(sum(exp(x - max))).</summary>
    /// <param name="scores">The row, replaced by its log-probabilities.</param>
    /// <param name="scratch">A buffer at least as long as the row.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LogSoftmax(Span<float> scores, Span<float> scratch)
    {
        var max = TensorPrimitives.Max(scores);
        var shifted = scratch[..scores.Length];
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp(scores, shifted);
        var logSum = MathF.Log(TensorPrimitives.Sum(shifted));
        TensorPrimitives.Subtract(scores, logSum, scores);
    }
}
