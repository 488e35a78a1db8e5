using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using BlipCaptioning.Conversion.Numpy;
using BlipCaptioning.Preprocessing;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// <c>blip preprocess IMAGE --out pixels.npy [--size 384]</c>: writes the exact model input, float32
/// [1, 3, size, size], as a NumPy file, so anyone can compare it with transformers' <c>pixel_values</c> in Python.
/// </summary>
internal static class PreprocessCommand
{
    public static Command Create()
    {
        var image = new Argument<FileInfo>("image") { Description = "The image file (JPEG, PNG, GIF, BMP, WebP; TIFF with --tiff)." };
        var output = new Option<FileInfo>("--out", "-o")
        {
            Description = "Where to write the pixel tensor as .npy (float32 [1, 3, size, size], RGB, CLIP-normalised).",
            Required = true,
        };
        var size = NumberOptions.Integer("--size", $"The square side the image is resized to (default and BLIP base: {BlipImagePreprocessor.DefaultSettings.ImageSize}).", 1, 4096);
        var resized = new Option<FileInfo?>("--resized-out")
        {
            Description = "Also write the resized uint8 image before normalisation as .npy ([size, size, 3], HWC), to compare with PIL's resize.",
        };
        var tiff = new Option<bool>("--tiff") { Description = "Accept TIFF images (off by default)." };

        var command = new Command("preprocess", "Decode, orient, resize (PIL bicubic) and normalise one image exactly as the model sees it, and save the tensor as .npy.")
        {
            image, output, size, resized, tiff,
        };
        command.SetAction((parse, cancellationToken) => UserErrors.RunAsync(() => RunAsync(
            parse.GetRequiredValue(image),
            parse.GetRequiredValue(output),
            parse.GetValue(size) ?? BlipImagePreprocessor.DefaultSettings.ImageSize,
            parse.GetValue(resized),
            parse.GetValue(tiff),
            cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo imageFile, FileInfo outputFile, int size, FileInfo? resizedFile, bool enableTiff, CancellationToken cancellationToken)
    {
        var preprocessor = new BlipImagePreprocessor(
            BlipImagePreprocessor.DefaultSettings with { ImageSize = size },
            new ImageLoadingOptions { EnableTiff = enableTiff });

        long started = Stopwatch.GetTimestamp();
        await using FileStream input = imageFile.OpenRead();
        using LoadedImage loaded = await preprocessor.LoadAsync(input, cancellationToken);
        TimeSpan decode = Stopwatch.GetElapsedTime(started);

        started = Stopwatch.GetTimestamp();
        float[] pixelValues = new float[preprocessor.PixelValuesLength];
        preprocessor.WritePixelValues(loaded, pixelValues);
        TimeSpan preprocess = Stopwatch.GetElapsedTime(started);

        await using (FileStream file = outputFile.Create())
        {
            NpyWriter.Write(file, pixelValues, [1, 3, size, size]);
        }

        if (resizedFile is not null)
        {
            byte[] pixels = new byte[size * size * 3];
            preprocessor.WriteResizedPixels(loaded, pixels);
            await using FileStream file = resizedFile.Create();
            NpyWriter.Write(file, pixels, [size, size, 3]);
        }

        ImageFacts facts = loaded.Facts;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{outputFile.FullName}: float32 [1, 3, {size}, {size}] from {imageFile.Name} ({facts.Format}, {facts.Width} x {facts.Height}, {facts.Bytes:N0} bytes, EXIF orientation {loaded.Orientation}); decode {decode.TotalMilliseconds:F1} ms, resize + normalise {preprocess.TotalMilliseconds:F1} ms"));
        return 0;
    }
}
