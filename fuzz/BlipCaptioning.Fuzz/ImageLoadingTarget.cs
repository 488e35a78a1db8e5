using System.Diagnostics;
using System.Globalization;
using BlipCaptioning.Errors;
using BlipCaptioning.Preprocessing;
using SharpFuzz;

namespace BlipCaptioning.Fuzz;

/// <summary>
/// The fuzzing target: the image loader and the PIL resize on one input, exactly as a caption runs them. An input
/// may load or be refused with <see cref="UnsupportedImageException"/>; anything else escaping is a finding (afl
/// records a crash), and so are a refusal for running past the decode time budget (a slow input) and more than
/// 256 MB of managed allocations for one input (a decoder sizing an array from a header field).
/// </summary>
internal static class ImageLoadingTarget
{
    // Small pixel limit: fuzzing explores the parsers, not the cost of decoding 40 megapixels per run.
    private static readonly ImageLoadingOptions Options = new()
    {
        MaxPixels = 1_000_000,
        EnableTiff = true,
        DecodeTimeout = TimeSpan.FromMilliseconds(
            int.Parse(Environment.GetEnvironmentVariable("FUZZ_DECODE_TIMEOUT_MS") ?? "5000", CultureInfo.InvariantCulture)),
    };

    // Managed memory one input may cost: a 1-megapixel image needs a few MB (ImageSharp's large buffers are
    // unmanaged and capped by its allocator); anything near this is a decoder sizing an array from the header.
    private const long AllocationBudget = 256L * 1024 * 1024;

    private static readonly ImageLoader Loader = new(Options);
    private static readonly BlipImagePreprocessor Preprocessor = new(options: Options);
    private static readonly float[] PixelValues = new float[Preprocessor.PixelValuesLength];

    public static int RunUnderAfl()
    {
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Load(copy.GetBuffer(), (int)copy.Length);
        });
        return 0;
    }

    public static int Replay(IEnumerable<string> files)
    {
        int findings = 0;
        foreach (string file in files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            long started = Stopwatch.GetTimestamp();
            try
            {
                string outcome = Load(bytes, bytes.Length);
                Console.WriteLine($"{file}: {outcome} ({Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms)");
            }
            catch (Exception ex)
            {
                findings++;
                Console.WriteLine($"{file}: FINDING {ex.GetType().Name}: {ex.Message} ({Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms)");
                Console.WriteLine(ex);
            }
        }

        return findings == 0 ? 0 : 1;
    }

    private static string Load(byte[] buffer, int length)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        string outcome = LoadOrRefuse(buffer, length);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationBudget)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"FINDING: {allocated:N0} bytes of managed memory for {length:N0} input bytes ({outcome})."));
        }

        return outcome;
    }

    private static string LoadOrRefuse(byte[] buffer, int length)
    {
        try
        {
            using LoadedImage image = Loader.Load(buffer, length, CancellationToken.None);
            Preprocessor.WritePixelValues(image, PixelValues);
            return $"loaded {image.Facts.Format} {image.Width}x{image.Height} orientation {image.Orientation}";
        }
        catch (UnsupportedImageException refused) when (!refused.Message.Contains("(DecodeTimeout)", StringComparison.Ordinal))
        {
            return "refused: " + refused.Message;
        }
    }
}
