using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// PIL's 8-bit bicubic resize (<c>Image.resize(size, Image.BICUBIC)</c>, Pillow <c>libImaging/Resample.c</c>),
/// reproduced exactly for interleaved RGB24 pixels: separable, each input row the vertical pass needs goes through
/// the horizontal pass to 8 bits first, then into the vertical pass (streamed: a few rows of memory, not PIL's
/// whole intermediate image); kernel a = -0.5, support widened by the scale when
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
        ResampleVertical(source, sourceWidth, horizontal ? ResampleCoefficients.For(sourceWidth, width) : null, destination, rows);
    }

    /// <summary>Clamps a fixed-point accumulator to a byte after the arithmetic shift (PIL's <c>clip8</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clip8(int accumulator) => (byte)Math.Clamp(accumulator >> ResampleCoefficients.PrecisionBits, 0, 255);

    private static void ResampleHorizontal(ReadOnlySpan<byte> source, int sourceWidth, int firstRow, int rowCount, Span<byte> destination, ResampleCoefficients columns)
    {
        int sourceStride = sourceWidth * Channels;
        int outStride = columns.OutSize * Channels;
        for (int y = 0; y < rowCount; y++)
        {
            int rowStart = (firstRow + y) * sourceStride;
            Span<byte> output = destination.Slice(y * outStride, outStride);
            // The vector path reads 4 bytes per RGB pixel, one past the row's last pixel: it needs one spare byte.
            if (Vector128.IsHardwareAccelerated && rowStart + sourceStride < source.Length)
            {
                ResampleRowVector(source.Slice(rowStart, sourceStride + 1), output, columns);
            }
            else
            {
                ResampleRowScalar(source.Slice(rowStart, sourceStride), output, columns);
            }
        }
    }

    /// <summary>One row of the horizontal pass, one RGB pixel per 128-bit vector (R, G, B and an ignored lane).</summary>
    internal static void ResampleRowVector(ReadOnlySpan<byte> row, Span<byte> output, ResampleCoefficients columns)
    {
        ref byte source = ref MemoryMarshal.GetReference(row);
        ref int weights = ref MemoryMarshal.GetArrayDataReference(columns.Weights);
        int kernelSize = columns.KernelSize;
        int[] starts = columns.Start;
        int[] counts = columns.Count;
        Vector128<int> half = Vector128.Create(ResampleCoefficients.Half);
        for (int x = 0; x < columns.OutSize; x++)
        {
            ref byte tap = ref Unsafe.Add(ref source, starts[x] * Channels);
            ref int k = ref Unsafe.Add(ref weights, x * kernelSize);
            Vector128<int> sum = half;
            for (int t = 0, count = counts[x]; t < count; t++)
            {
                uint rgbx = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref tap, t * Channels));
                Vector128<int> pixel = Vector128.WidenLower(Vector128.WidenLower(Vector128.CreateScalar(rgbx).AsByte())).AsInt32();
                sum += pixel * Vector128.Create(Unsafe.Add(ref k, t));
            }

            int o = x * Channels;
            output[o] = Clip8(sum.GetElement(0));
            output[o + 1] = Clip8(sum.GetElement(1));
            output[o + 2] = Clip8(sum.GetElement(2));
        }
    }

    internal static void ResampleRowScalar(ReadOnlySpan<byte> row, Span<byte> output, ResampleCoefficients columns)
    {
        int kernelSize = columns.KernelSize;
        ReadOnlySpan<int> weights = columns.Weights;
        for (int x = 0; x < columns.OutSize; x++)
        {
            ReadOnlySpan<byte> taps = row.Slice(columns.Start[x] * Channels, columns.Count[x] * Channels);
            ReadOnlySpan<int> k = weights.Slice(x * kernelSize, columns.Count[x]);
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

    /// <summary>
    /// The vertical pass, fed one input row at a time (first through the horizontal pass when
    /// <paramref name="columns"/> is given). Each row is added, times its weight, into the accumulators of every
    /// output row whose window holds it, in input-row order: the same integer sums, in the same order, as PIL's
    /// per-pixel loop over its intermediate image. An output row is written out as soon as its window ends, so only
    /// the output rows open at once keep accumulators and only one intermediate row exists: memory stays a few rows
    /// wide however tall the image (PIL's intermediate image of a 1 x 40,000,000 image resized to 384 wide would be
    /// 46 GB).
    /// </summary>
    private static void ResampleVertical(ReadOnlySpan<byte> source, int sourceWidth, ResampleCoefficients? columns, Span<byte> destination, ResampleCoefficients rows)
    {
        int sourceStride = sourceWidth * Channels;
        int stride = (columns?.OutSize ?? sourceWidth) * Channels;
        int kernelSize = rows.KernelSize;
        int slots = MostOpenRows(rows) + 1;
        int[] accumulatorArray = ArrayPool<int>.Shared.Rent(slots * stride);
        byte[]? rowArray = columns is null ? null : ArrayPool<byte>.Shared.Rent(stride);
        try
        {
            Span<int> accumulators = accumulatorArray.AsSpan(0, slots * stride);
            int finished = 0;
            int opened = 0;
            int lastRow = rows.Start[rows.OutSize - 1] + rows.Count[rows.OutSize - 1];
            for (int r = rows.Start[0]; r < lastRow; r++)
            {
                ReadOnlySpan<byte> row;
                if (columns is null)
                {
                    row = source.Slice(r * sourceStride, sourceStride);
                }
                else
                {
                    ResampleHorizontal(source, sourceWidth, r, 1, rowArray.AsSpan(0, stride), columns);
                    row = rowArray.AsSpan(0, stride);
                }

                for (; opened < rows.OutSize && rows.Start[opened] <= r; opened++)
                {
                    accumulators.Slice(opened % slots * stride, stride).Fill(ResampleCoefficients.Half);
                }

                for (int y = finished; y < opened; y++)
                {
                    int tap = r - rows.Start[y];
                    if (tap < rows.Count[y])
                    {
                        AddScaledRow(row, rows.Weights[(y * kernelSize) + tap], accumulators.Slice(y % slots * stride, stride));
                    }
                }

                for (; finished < opened && rows.Start[finished] + rows.Count[finished] <= r + 1; finished++)
                {
                    StoreClipped(accumulators.Slice(finished % slots * stride, stride), destination.Slice(finished * stride, stride));
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(accumulatorArray);
            if (rowArray is not null)
            {
                ArrayPool<byte>.Shared.Return(rowArray);
            }
        }
    }

    /// <summary>The most output rows whose windows hold one input row (windows start and end in order).</summary>
    private static int MostOpenRows(ResampleCoefficients rows)
    {
        int most = 1;
        for (int y = 0, oldest = 0; y < rows.OutSize; y++)
        {
            while (oldest < y && rows.Start[oldest] + rows.Count[oldest] <= rows.Start[y])
            {
                oldest++;
            }

            most = Math.Max(most, y - oldest + 1);
        }

        return most;
    }

    /// <summary><c>accumulators[i] += row[i] * weight</c>, 16 bytes at a time where vectors are available.</summary>
    private static void AddScaledRow(ReadOnlySpan<byte> row, int weight, Span<int> accumulators)
    {
        ref byte r = ref MemoryMarshal.GetReference(row);
        ref int a = ref MemoryMarshal.GetReference(accumulators);
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<int> w = Vector128.Create(weight);
            for (; i <= row.Length - 16; i += 16)
            {
                (Vector128<ushort> low, Vector128<ushort> high) = Vector128.Widen(Vector128.LoadUnsafe(ref r, (nuint)i));
                (Vector128<uint> v0, Vector128<uint> v1) = Vector128.Widen(low);
                (Vector128<uint> v2, Vector128<uint> v3) = Vector128.Widen(high);
                ref int at = ref Unsafe.Add(ref a, i);
                (Vector128.LoadUnsafe(ref at) + (v0.AsInt32() * w)).StoreUnsafe(ref at);
                (Vector128.LoadUnsafe(ref at, 4) + (v1.AsInt32() * w)).StoreUnsafe(ref at, 4);
                (Vector128.LoadUnsafe(ref at, 8) + (v2.AsInt32() * w)).StoreUnsafe(ref at, 8);
                (Vector128.LoadUnsafe(ref at, 12) + (v3.AsInt32() * w)).StoreUnsafe(ref at, 12);
            }
        }

        for (; i < row.Length; i++)
        {
            Unsafe.Add(ref a, i) += Unsafe.Add(ref r, i) * weight;
        }
    }

    /// <summary>Writes <c>clamp(accumulator &gt;&gt; 22, 0, 255)</c> for every accumulator.</summary>
    private static void StoreClipped(ReadOnlySpan<int> accumulators, Span<byte> output)
    {
        ref int a = ref MemoryMarshal.GetReference(accumulators);
        ref byte o = ref MemoryMarshal.GetReference(output);
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<int> zero = Vector128<int>.Zero;
            Vector128<int> max = Vector128.Create(255);
            for (; i <= output.Length - 16; i += 16)
            {
                Vector128<int> v0 = Vector128.Clamp(Vector128.ShiftRightArithmetic(Vector128.LoadUnsafe(ref a, (nuint)i), ResampleCoefficients.PrecisionBits), zero, max);
                Vector128<int> v1 = Vector128.Clamp(Vector128.ShiftRightArithmetic(Vector128.LoadUnsafe(ref a, (nuint)i + 4), ResampleCoefficients.PrecisionBits), zero, max);
                Vector128<int> v2 = Vector128.Clamp(Vector128.ShiftRightArithmetic(Vector128.LoadUnsafe(ref a, (nuint)i + 8), ResampleCoefficients.PrecisionBits), zero, max);
                Vector128<int> v3 = Vector128.Clamp(Vector128.ShiftRightArithmetic(Vector128.LoadUnsafe(ref a, (nuint)i + 12), ResampleCoefficients.PrecisionBits), zero, max);
                Vector128<ushort> low = Vector128.Narrow(v0.AsUInt32(), v1.AsUInt32());
                Vector128<ushort> high = Vector128.Narrow(v2.AsUInt32(), v3.AsUInt32());
                Vector128.Narrow(low, high).StoreUnsafe(ref o, (nuint)i);
            }
        }

        for (; i < output.Length; i++)
        {
            Unsafe.Add(ref o, i) = Clip8(Unsafe.Add(ref a, i));
        }
    }
}
