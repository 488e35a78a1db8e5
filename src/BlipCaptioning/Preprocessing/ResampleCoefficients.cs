using System.Collections.Concurrent;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// PIL's fixed-point bicubic coefficients for one axis, from <c>inSize</c> to <c>outSize</c> samples
/// (Pillow <c>libImaging/Resample.c</c>: <c>precompute_coeffs</c> then <c>normalize_coeffs_8bpc</c>).
/// Output sample <c>i</c> reads <see cref="Count"/>[i] input samples from <see cref="Start"/>[i] with the integer
/// weights <see cref="Weights"/>[i * <see cref="KernelSize"/> ..]. Built once per (inSize, outSize) pair and shared.
/// </summary>
internal sealed class ResampleCoefficients
{
    /// <summary>Fractional bits of the fixed-point weights (PIL's <c>PRECISION_BITS</c>).</summary>
    public const int PrecisionBits = 22;

    /// <summary>The accumulator's starting value, one half in fixed point, so the final shift rounds.</summary>
    public const int Half = 1 << (PrecisionBits - 1);

    /// <summary>Bicubic support radius in input samples before antialiasing scales it.</summary>
    private const double BicubicSupport = 2.0;

    /// <summary>Enough for every axis pair one service sees (sources vary, the target is fixed); cleared when full.</summary>
    private const int CacheCapacity = 256;

    private static readonly ConcurrentDictionary<(int In, int Out), ResampleCoefficients> Cache = new();

    private ResampleCoefficients(int inSize, int outSize, int kernelSize, int[] start, int[] count, int[] weights)
    {
        InSize = inSize;
        OutSize = outSize;
        KernelSize = kernelSize;
        Start = start;
        Count = count;
        Weights = weights;
    }

    public int InSize { get; }

    public int OutSize { get; }

    /// <summary>The stride of <see cref="Weights"/> per output sample (at least the largest <see cref="Count"/>).</summary>
    public int KernelSize { get; }

    /// <summary>First input sample of each output sample.</summary>
    public int[] Start { get; }

    /// <summary>Number of input samples (taps) of each output sample.</summary>
    public int[] Count { get; }

    /// <summary>Fixed-point weights, <see cref="KernelSize"/> per output sample.</summary>
    public int[] Weights { get; }

    /// <summary>The shared coefficients for resampling <paramref name="inSize"/> samples to <paramref name="outSize"/>.</summary>
    public static ResampleCoefficients For(int inSize, int outSize)
    {
        if (Cache.TryGetValue((inSize, outSize), out ResampleCoefficients? cached))
        {
            return cached;
        }

        ResampleCoefficients created = Compute(inSize, outSize);
        if (Cache.Count >= CacheCapacity)
        {
            Cache.Clear();
        }

        return Cache.GetOrAdd((inSize, outSize), created);
    }

    /// <summary>PIL's bicubic kernel with a = -0.5, evaluated in double precision in PIL's operation order.</summary>
    internal static double Bicubic(double x)
    {
        const double A = -0.5;
        if (x < 0.0)
        {
            x = -x;
        }

        if (x < 1.0)
        {
            return (((A + 2.0) * x) - (A + 3.0)) * x * x + 1;
        }

        if (x < 2.0)
        {
            return ((((x - 5) * x) + 8) * x - 4) * A;
        }

        return 0.0;
    }

    private static ResampleCoefficients Compute(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = BicubicSupport * filterScale;
        int kernelSize = ((int)Math.Ceiling(support) * 2) + 1;
        double ss = 1.0 / filterScale;

        int[] start = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * kernelSize];
        Span<double> k = kernelSize <= 256 ? stackalloc double[kernelSize] : new double[kernelSize];
        for (int i = 0; i < outSize; i++)
        {
            double center = (i + 0.5) * scale;
            // (int) truncates toward zero, as C's cast does; clipping to the image comes after.
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            double sum = 0.0;
            for (int x = 0; x < xmax; x++)
            {
                double w = Bicubic(((x + xmin) - center + 0.5) * ss);
                k[x] = w;
                sum += w;
            }

            Span<int> fixedPoint = weights.AsSpan(i * kernelSize, kernelSize);
            for (int x = 0; x < xmax; x++)
            {
                double w = sum != 0.0 ? k[x] / sum : k[x];
                // Round half away from zero into 22 fractional bits (normalize_coeffs_8bpc).
                fixedPoint[x] = w < 0
                    ? (int)(-0.5 + (w * (1 << PrecisionBits)))
                    : (int)(0.5 + (w * (1 << PrecisionBits)));
            }

            start[i] = xmin;
            count[i] = xmax;
        }

        return new ResampleCoefficients(inSize, outSize, kernelSize, start, count, weights);
    }
}
