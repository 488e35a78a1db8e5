namespace BlipCaptioning.Inference;

/// <summary>Runs the decoding strategy that <see cref="CaptionSettings"/> asks for over a model's decoder.</summary>
internal static class CaptionSearch
{
    public static GenerationResult Run(BlipModel model, CrossAttentionCache cross, long[] promptIds, CaptionSettings settings, int maxLength, CancellationToken cancellationToken)
    {
        using var run = model.StartDecoder(cross, settings.NumBeams);
        int rows = run.Rows;
        int vocab = run.VocabularySize;
        var sequences = new List<long>[rows];
        var logProbabilities = new double[rows];
        var finished = new bool[rows];
        var ids = new long[rows * promptIds.Length];
        for (int r = 0; r < rows; r++)
        {
            sequences[r] = [.. promptIds];
            promptIds.CopyTo(ids, r * promptIds.Length);
        }

        var logits = new float[rows * vocab];
        int sequenceLength = promptIds.Length;
        int length = promptIds.Length;
        int steps = 0;
        while (length < maxLength)
        {
            cancellationToken.ThrowIfCancellationRequested();
            run.Advance(ids.AsSpan(0, rows * sequenceLength), sequenceLength, logits, cancellationToken);
            steps++;
            bool allDone = true;
            for (int r = 0; r < rows; r++)
            {
                long next = model.Manifest.Tokens.Pad;
                if (!finished[r])
                {
                    var row = logits.AsSpan(r * vocab, vocab);
                    if (length < settings.MinLength)
                    {
                        row[(int)model.Manifest.Tokens.Separator] = float.NegativeInfinity;
                    }

                    int best = 0;
                    float max = row[0];
                    for (int v = 1; v < row.Length; v++)
                    {
                        if (row[v] > max)
                        {
                            max = row[v];
                            best = v;
                        }
                    }

                    double sum = 0;
                    foreach (float value in row)
                    {
                        sum += Math.Exp(value - max);
                    }

                    logProbabilities[r] -= Math.Log(sum);
                    next = best;
                    sequences[r].Add(next);
                    finished[r] = next == model.Manifest.Tokens.Separator;
                }

                ids[r] = next;
                allDone &= finished[r];
            }

            sequenceLength = 1;
            length++;
            if (allDone)
            {
                break;
            }
        }

        var scores = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            int generated = sequences[r].Count - promptIds.Length;
            scores[r] = generated == 0 ? 0 : logProbabilities[r] / generated;
        }

        return new GenerationResult([.. sequences.Select(s => s.ToArray())], scores, steps);
    }
}
