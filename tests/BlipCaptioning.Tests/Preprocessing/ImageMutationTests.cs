using System.Collections.Concurrent;
using System.Diagnostics;
using BlipCaptioning.Errors;
using BlipCaptioning.Preprocessing;
using Xunit.Abstractions;

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>
/// Seeded byte-level mutants of every fixture image, on every run: each is preprocessed (decoded, turned upright,
/// resized and normalised) or refused with an <see cref="UnsupportedImageException"/>; nothing else may escape, none
/// may be refused for running past its decode time budget, and none may allocate more than 64 MB of managed memory. The seed is fixed, so a failure names the fixture
/// and mutant that reproduces it. Longer, coverage-guided runs: docs/fuzzing.md.
/// </summary>
public sealed class ImageMutationTests(ITestOutputHelper output)
{
    private const int Seed = 14;
    private const int MutantsPerImage = 200;

    // Managed memory one mutant may cost (4 megapixels need about 12 MB; ImageSharp's large buffers are unmanaged).
    private const long AllocationBudget = 64L * 1024 * 1024;

    private static readonly uint[] InterestingWords = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];

    [Fact]
    public async Task PreprocessAsync_ThousandsOfMutantsOfTheFixtures_AreDecodedOrRefusedCleanlyWithinTheirBudget()
    {
        // TIFF on, to mutate the TIFF fixture too; a smaller pixel limit keeps mutants that claim huge sizes cheap.
        var preprocessor = new BlipImagePreprocessor(options: new ImageLoadingOptions { MaxPixels = 4_000_000, EnableTiff = true });
        var fixtures = Directory.EnumerateFiles(Fixtures.PilReferencePath("images"))
            .Concat(Directory.EnumerateFiles(Fixtures.PilReferencePath("orientation")))
            .Where(path => new FileInfo(path).Length <= 160_000) // all but the 528 KB photo
            .Order(StringComparer.Ordinal)
            .Select(path => (Name: Path.GetRelativePath(Fixtures.PilReference, path), Bytes: File.ReadAllBytes(path)))
            .ToList();
        var mutants = fixtures.SelectMany((f, n) => Enumerable.Range(0, MutantsPerImage).Select(i => (f.Name, f.Bytes, Index: i, Seed: (Seed * 1_000_000) + (n * 1_000) + i))).ToList();
        var escaped = new ConcurrentBag<string>();
        var overBudget = new ConcurrentBag<string>();
        int loaded = 0, refused = 0;
        long started = Stopwatch.GetTimestamp();

        await Parallel.ForEachAsync(mutants, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (mutant, cancellationToken) =>
        {
            byte[] bytes = Mutate(mutant.Bytes, new Random(mutant.Seed));
            string id = $"{mutant.Name} mutant {mutant.Index} (new Random({mutant.Seed}))";
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                using var stream = new MemoryStream(bytes);
                await preprocessor.PreprocessAsync(stream, cancellationToken); // completes on this thread: the bytes are in memory
                Interlocked.Increment(ref loaded);
            }
            catch (UnsupportedImageException refusal) when (refusal.Message.Contains("(DecodeTimeout)", StringComparison.Ordinal))
            {
                overBudget.Add($"{id}: {refusal.Message}");
            }
            catch (UnsupportedImageException)
            {
                Interlocked.Increment(ref refused);
            }
            catch (Exception ex)
            {
                escaped.Add($"{id}: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > AllocationBudget)
            {
                overBudget.Add($"{id}: allocated {allocated:N0} bytes of managed memory");
            }
        });

        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        output.WriteLine($"{mutants.Count:N0} mutants of {fixtures.Count} fixtures in {seconds:F1} s: {loaded:N0} preprocessed, {refused:N0} refused, {escaped.Count} escaped, {overBudget.Count} over budget.");
        Assert.True(escaped.IsEmpty, string.Join("\n\n", escaped.Take(5)));
        Assert.True(overBudget.IsEmpty, string.Join("\n", overBudget.Take(5)));
        Assert.True(loaded > mutants.Count / 10 && refused > mutants.Count / 10, $"{loaded} preprocessed and {refused} refused: the mutants should exercise both paths.");
    }

    /// <summary>One to four byte-level edits, half of them in the first 512 bytes where the headers are.</summary>
    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = new List<byte>(original);
        int edits = random.Next(1, 5);
        for (int edit = 0; edit < edits && bytes.Count > 0; edit++)
        {
            int at = random.Next(2) == 0 ? random.Next(Math.Min(bytes.Count, 512)) : random.Next(bytes.Count);
            switch (random.Next(8))
            {
                case 0: // flip a bit
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // a random byte
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2: // an interesting byte
                    bytes[at] = (byte)InterestingWords[random.Next(5)];
                    break;
                case 3: // an interesting 16- or 32-bit word, either byte order
                    uint value = InterestingWords[random.Next(InterestingWords.Length)];
                    int width = random.Next(2) == 0 ? 2 : 4;
                    bool bigEndian = random.Next(2) == 0;
                    for (int i = 0; i < width && at + i < bytes.Count; i++)
                    {
                        bytes[at + i] = (byte)(value >> (8 * (bigEndian ? width - 1 - i : i)));
                    }

                    break;
                case 4: // delete a range
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 65), bytes.Count - at));
                    break;
                case 5: // insert a copy of another range
                    int from = random.Next(bytes.Count);
                    bytes.InsertRange(at, bytes.GetRange(from, Math.Min(random.Next(1, 257), bytes.Count - from)));
                    break;
                case 6: // cut the file
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default: // zero a range
                    for (int i = at, end = Math.Min(bytes.Count, at + random.Next(1, 33)); i < end; i++)
                    {
                        bytes[i] = 0;
                    }

                    break;
            }
        }

        return [.. bytes];
    }
}
