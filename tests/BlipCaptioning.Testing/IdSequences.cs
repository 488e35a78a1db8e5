namespace BlipCaptioning.Testing;

/// <summary>Compares generated id sequences and, on failure, names the first position where they part.</summary>
public static class IdSequences
{
    /// <summary>Asserts <paramref name="ours"/> equals <paramref name="transformers"/>; the message names <paramref name="what"/> and the first differing position.</summary>
    public static void AssertEqual(IReadOnlyList<long> transformers, IReadOnlyList<long> ours, string what)
    {
        var length = Math.Min(transformers.Count, ours.Count);
        var first = Enumerable.Range(0, length).FirstOrDefault(i => transformers[i] != ours[i], -1);
        if (first < 0 && transformers.Count == ours.Count)
        {
            return;
        }

        var where = first >= 0
            ? $"first difference at position {first}: ours {ours[first]}, transformers {transformers[first]}"
            : $"ours has {ours.Count} ids, transformers {transformers.Count}";
        Assert.Fail($"{what}: {where}; ours [{string.Join(", ", ours)}], transformers [{string.Join(", ", transformers)}]");
    }
}
