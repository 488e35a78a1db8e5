namespace BlipCaptioning.Tests.Search;

/// <summary>
/// A readable next-token table for <see cref="ScriptedDecoderRun"/>: after the generated ids "5,7" come these tokens
/// with these probabilities (or raw logits). Histories not in the table get <see cref="Fallback"/> ([SEP] for sure).
/// </summary>
internal sealed class TokenTree
{
    public const long Sep = 102;

    private readonly Dictionary<string, (long Token, float Logit)[]> _next = [];

    public (long Token, float Logit)[] Fallback { get; init; } = [(Sep, 0f)];

    /// <summary>After <paramref name="generated"/> ("" for the first step, else comma-separated ids) the next token has these probabilities.</summary>
    public TokenTree After(string generated, params (long Token, double Probability)[] next)
    {
        _next[generated] = Probabilities(next);
        return this;
    }

    /// <summary>After <paramref name="generated"/> the next token has these raw logits (the rest: -infinity).</summary>
    public TokenTree AfterLogits(string generated, params (long Token, float Logit)[] next)
    {
        _next[generated] = next;
        return this;
    }

    /// <summary>Logits whose softmax is exactly these probabilities (for <see cref="Fallback"/>).</summary>
    public static (long Token, float Logit)[] Probabilities(params (long Token, double Probability)[] next) =>
        [.. next.Select(n => (n.Token, (float)Math.Log(n.Probability)))];

    public void Fill(ReadOnlySpan<long> generated, Span<float> logits)
    {
        var key = string.Join(",", generated.ToArray());
        foreach (var (token, logit) in _next.GetValueOrDefault(key, Fallback))
        {
            logits[(int)token] = logit;
        }
    }

    public NextTokenScript Script => (_, generated, logits) => Fill(generated, logits);
}
