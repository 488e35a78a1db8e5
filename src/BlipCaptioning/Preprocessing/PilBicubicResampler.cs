using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// PIL's 8-bit bicubic resize (<c>Image.resize(size, Image.BICUBIC)</c>, Pillow <c>libImaging/Resample.c</c>),
/// reproduced exactly for interleaved RGB24 pixels: separable, horizontal pass first into an 8-bit image of only the
/// rows the vertical pass needs, then the vertical pass; kernel a = -0.5, support widened by the scale when
/// downscaling (antialiasing), 22-bit fixed-point weights, accumulators starting at 2^21, an arithmetic shift by 22
/// and a clamp to 0..255 after each pass. A pass whose size does not change is skipped, as PIL skips it.
/// </summary>
public static class PilBicubicResampler
{
    private const int Channels = 3;

    /// <summary>
    /// Resizes <paramref name="source"/> (RGB24, <paramref name="sourceWidth"/> x <paramref name="sourceHeight"/>,
    /// rows top to bottom without padding) into <paramref name="destination"/> (RGB24, <paramref name="width"/> x
    /// <paramref name="height"/>). The aspect ratio is not kept. Same size gives a plain copy.
    /// </summary>
    public static void Resize(ReadOnlySpan<byte> source, int sourceWidth, int sourceHeight, Span<byte> destination, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (source.Length < (long)sourceWidth * sourceHeight * Channels)
        {
            throw new ArgumentException($"The source holds {source.Length} bytes, fewer than {sourceWidth} x {sourceHeight} RGB24 pixels.", nameof(source));
        }

        if (destination.Length < (long)width * height * Channels)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes, fewer than {width} x {height} RGB24 pixels.", nameof(destination));
        }

        bool horizontal = width != sourceWidth;
        bool vertical = height != sourceHeight;
        if (!horizontal && !vertical)
        {
            source[..(sourceWidth * sourceHeight * Channels)].CopyTo(destination);
            return;
        }

        if (!vertical)
        {
            ResampleHorizontal(source, sourceWidth, 0, sourceHeight, destination, ResampleCoefficients.For(sourceWidth, width));
            return;
        }

        ResampleCoefficients rows = ResampleCoefficients.For(sourceHeight, height);
        if (!horizontal)
        {
            ResampleVertical(source, sourceWidth * Channels, 0, destination, rows);
            return;
        }

        // Only the rows the vertical pass reads go through the horizontal pass.
        int firstRow = rows.Start[0];
        int lastRow = rows.Start[height - 1] + rows.Count[height - 1];
        int tempRows = lastRow - firstRow;
        int tempLength = tempRows * width * Channels;
        byte[] temp = ArrayPool<byte>.Shared.Rent(tempLength);
        try
        {
            ResampleHorizontal(source, sourceWidth, firstRow, tempRows, temp.AsSpan(0, tempLength), ResampleCoefficients.For(sourceWidth, width));
            ResampleVertical(temp.AsSpan(0, tempLength), width * Channels, firstRow, destination, rows);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(temp);
        }
    }

    /// <summary>Clamps a fixed-point accumulator to a byte after the arithmetic shift (PIL's <c>clip8</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clip8(int accumulator) => (byte)Math.Clamp(accumulator >> ResampleCoefficients.PrecisionBits, 0, 255);

    private static void ResampleHorizontal(ReadOnlySpan<byte> source, int sourceWidth, int firstRow, int rowCount, Span<byte> destination, ResampleCoefficients columns)
    {
        int sourceStride = sourceWidth * Channels;
        int outWidth = columns.OutSize;
        int outStride = outWidth * Channels;
        int kernelSize = columns.KernelSize;
        ReadOnlySpan<int> starts = columns.Start;
        ReadOnlySpan<int> counts = columns.Count;
        ReadOnlySpan<int> weights = columns.Weights;
        for (int y = 0; y < rowCount; y++)
        {
            ReadOnlySpan<byte> row = source.Slice((firstRow + y) * sourceStride, sourceStride);
            Span<byte> output = destination.Slice(y * outStride, outStride);
            for (int x = 0; x < outWidth; x++)
            {
                ReadOnlySpan<byte> taps = row.Slice(starts[x] * Channels, counts[x] * Channels);
                ReadOnlySpan<int> k = weights.Slice(x * kernelSize, counts[x]);
                int r = ResampleCoefficients.Half;
                int g = ResampleCoefficients.Half;
                int b = ResampleCoefficients.Half;
                for (int t = 0, p = 0; t < k.Length; t++, p += Channels)
                {
                    int w = k[t];
                    r += taps[p] * w;
                    g += taps[p + 1] * w;
                    b += taps[p + 2] * w;
                }

                int o = x * Channels;
                output[o] = Clip8(r);
                output[o + 1] = Clip8(g);
                output[o + 2] = Clip8(b);
            }
        }
    }

    /// <summary>
    /// The vertical pass. Row by row it adds each tap row times its weight into one accumulator per byte, which is
    /// the same integer sum as PIL's per-pixel loop but walks memory in order.
    /// </summary>
    private static void ResampleVertical(ReadOnlySpan<byte> source, int stride, int firstRow, Span<byte> destination, ResampleCoefficients rows)
    {
        int kernelSize = rows.KernelSize;
        int[] accumulatorArray = ArrayPool<int>.Shared.Rent(stride);
        try
        {
            Span<int> accumulators = accumulatorArray.AsSpan(0, stride);
            for (int y = 0; y < rows.OutSize; y++)
            {
                accumulators.Fill(ResampleCoefficients.Half);
                int start = rows.Start[y] - firstRow;
                ReadOnlySpan<int> k = rows.Weights.AsSpan(y * kernelSize, rows.Count[y]);
                for (int t = 0; t < k.Length; t++)
                {
                    AddScaledRow(source.Slice((start + t) * stride, stride), k[t], accumulators);
                }

                Span<byte> output = destination.Slice(y * stride, stride);
                for (int i = 0; i < output.Length; i++)
                {
                    output[i] = Clip8(accumulators[i]);
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(accumulatorArray);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaledRow(ReadOnlySpan<byte> row, int weight, Span<int> accumulators)
    {
        ref byte r = ref MemoryMarshal.GetReference(row);
        ref int a = ref MemoryMarshal.GetReference(accumulators);
        for (int i = 0; i < row.Length; i++)
        {
            Unsafe.Add(ref a, i) += Unsafe.Add(ref r, i) * weight;
        }
    }
}
