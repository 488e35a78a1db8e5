namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>Timings of one measured quantity, in milliseconds, with the order statistics the bench reports.</summary>
internal sealed class Samples
{
    private readonly List<double> _values = [];

    public Samples(string name) => Name = name;

    public string Name { get; }

    public int Count => _values.Count;

    public IReadOnlyList<double> Values => _values;

    public void Add(double milliseconds) => _values.Add(milliseconds);

    public void Add(TimeSpan elapsed) => _values.Add(elapsed.TotalMilliseconds);

    public double Median => Percentile(0.5);

    public double P90 => Percentile(0.9);

    public double Min => _values.Count == 0 ? double.NaN : _values.Min();

    public double Mean => _values.Count == 0 ? double.NaN : _values.Average();

    /// <summary>Linear interpolation between closest ranks (numpy's default); NaN when empty.</summary>
    public double Percentile(double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fraction, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1.0);
        if (_values.Count == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. _values];
        Array.Sort(sorted);
        double rank = fraction * (sorted.Length - 1);
        int low = (int)Math.Floor(rank);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((rank - low) * (sorted[high] - sorted[low]));
    }
}
