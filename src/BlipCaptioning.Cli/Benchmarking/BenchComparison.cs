using System.Globalization;
using BlipCaptioning.Cli.Commands;
using BlipCaptioning.Inference;

namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>
/// One change for an A/B run (<c>blip bench --compare CHANGE</c>): <c>threads=N</c>, <c>spinning=0|1</c> (ONNX
/// Runtime's session.intra_op.allow_spinning), <c>pool=shared|session</c> (the process's shared thread pool or a pool
/// per session), <c>arena=on|off</c>, <c>optimization=disable|basic|extended|all</c>,
/// or any ONNX Runtime session config entry <c>KEY=VALUE</c> (a key with a dot).
/// </summary>
internal sealed class BenchComparison
{
    private readonly Func<BenchOptions, BenchOptions> _apply;

    private BenchComparison(string description, Func<BenchOptions, BenchOptions> apply)
    {
        Description = description;
        _apply = apply;
    }

    public string Description { get; }

    public BenchOptions Apply(BenchOptions options) => _apply(options);

    /// <exception cref="ArgumentException">The text is not one of the forms above.</exception>
    public static BenchComparison Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new ArgumentException($"--compare: '{text}' is not NAME=VALUE (threads=1, spinning=0, pool=session, arena=off, optimization=basic or an ONNX Runtime session entry KEY=VALUE).");
        }

        string name = text[..equals].Trim();
        string value = text[(equals + 1)..].Trim();
        switch (name)
        {
            case "threads":
                if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int threads) || threads < 1 || threads > 256)
                {
                    throw new ArgumentException($"--compare threads={value}: use a whole number from 1 to 256.");
                }

                return new(text, o => o with { Threads = [threads] });
            case "spinning":
                return value is "0" or "1"
                    ? WithEntry(text, "session.intra_op.allow_spinning", value)
                    : throw new ArgumentException($"--compare spinning={value}: use 0 or 1.");
            case "pool":
                return value switch
                {
                    "shared" => new(text, o => o with { ThreadPool = SessionThreadPool.Shared }),
                    "session" => new(text, o => o with { ThreadPool = SessionThreadPool.PerSession }),
                    _ => throw new ArgumentException($"--compare pool={value}: use shared or session."),
                };
            case "arena":
                return value is "on" or "off"
                    ? new(text, o => o with { Arena = value == "on" })
                    : throw new ArgumentException($"--compare arena={value}: use on or off.");
            case "optimization":
                return BenchCommandNames.OptimizationNames.Contains(value)
                    ? new(text, o => o with { OptimizationLevel = BenchCommandNames.OptimizationLevel(value) })
                    : throw new ArgumentException($"--compare optimization={value}: use one of {string.Join(", ", BenchCommandNames.OptimizationNames)}.");
            default:
                return name.Contains('.', StringComparison.Ordinal)
                    ? WithEntry(text, name, value)
                    : throw new ArgumentException($"--compare: unknown setting '{name}' (threads, spinning, pool, arena, optimization, or an ONNX Runtime session entry such as session.intra_op.allow_spinning).");
        }
    }

    private static BenchComparison WithEntry(string text, string key, string value) =>
        new(text, o => o with { SessionEntries = new Dictionary<string, string>(o.SessionEntries, StringComparer.Ordinal) { [key] = value } });
}
