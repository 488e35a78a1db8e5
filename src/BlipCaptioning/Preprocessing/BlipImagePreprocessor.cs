using System.Buffers;
using BlipCaptioning.Errors;
using BlipCaptioning.Model;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// BLIP's image preprocessing, matching transformers' slow (PIL) <c>BlipImageProcessor</c>: decode, EXIF orientation,
/// PIL-style RGB conversion, PIL bicubic squash to <c>ImageSize x ImageSize</c>, rescale by 1/255, CLIP
/// normalisation, channels first. Thread-safe; create one and share it.
/// </summary>
/// <example>
/// <code>
/// var preprocessor = new BlipImagePreprocessor();
/// using LoadedImage image = await preprocessor.LoadAsync(stream, cancellationToken);
/// float[] batch = new float[2 * preprocessor.PixelValuesLength];
/// preprocessor.WritePixelValues(image, batch.AsSpan(0, preprocessor.PixelValuesLength)); // first image of the batch
/// </code>
/// </example>
public sealed class BlipImagePreprocessor
{
    private readonly ImageLoader _loader;
    private readonly PixelNormalizer _normalizer;

    /// <summary>Creates a preprocessor.</summary>
    /// <param name="settings">Size, mean and std, usually from the model manifest; null means <see cref="DefaultSettings"/>.</param>
    /// <param name="options">Decoding limits; null means the defaults of <see cref="ImageLoadingOptions"/>.</param>
    public BlipImagePreprocessor(PreprocessingSettings? settings = null, ImageLoadingOptions? options = null)
    {
        Settings = settings ?? DefaultSettings;
        Validate(Settings);
        LoadingOptions = options ?? new ImageLoadingOptions();
        _loader = new ImageLoader(LoadingOptions);
        _normalizer = new PixelNormalizer(Settings.Mean, Settings.Std, Settings.RescaleFactor);
    }

    /// <summary>BLIP base's values (preprocessor_config.json): 384 pixels, OpenAI CLIP mean and std, rescale 1/255.</summary>
    public static PreprocessingSettings DefaultSettings { get; } = new(
        384,
        [0.48145466f, 0.4578275f, 0.40821073f],
        [0.26862954f, 0.26130258f, 0.27577711f]);

    /// <summary>The settings in use.</summary>
    public PreprocessingSettings Settings { get; }

    /// <summary>The decoding limits in use.</summary>
    public ImageLoadingOptions LoadingOptions { get; }

    /// <summary>The model's square input side in pixels (384 for BLIP base).</summary>
    public int ImageSize => Settings.ImageSize;

    /// <summary>Floats per image in the pixel tensor: <c>3 * ImageSize * ImageSize</c>.</summary>
    public int PixelValuesLength => 3 * ImageSize * ImageSize;

    /// <summary>
    /// Reads and decodes an image (JPEG, PNG, GIF first frame, BMP, WebP; TIFF if enabled), applies its EXIF
    /// orientation and converts it to 8-bit RGB (alpha dropped, palette looked up, gray replicated, 16-bit scaled).
    /// </summary>
    /// <remarks>
    /// The bytes are walked within <see cref="ImageStructureLimits"/> before the decoder sees them, and the whole load
    /// runs within <see cref="ImageLoadingOptions.DecodeTimeout"/>; <paramref name="cancellationToken"/> reaches the
    /// decoder (docs/preprocessing.md "Limits").
    /// </remarks>
    /// <exception cref="UnsupportedImageException">
    /// The bytes are empty, too many, not an image, damaged, over a limit or budget, or took longer than
    /// <see cref="ImageLoadingOptions.DecodeTimeout"/>; whatever the decoder throws on them ends here.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<LoadedImage> LoadAsync(Stream stream, CancellationToken cancellationToken = default) =>
        _loader.LoadAsync(stream, cancellationToken);

    /// <summary>
    /// Writes the image as PIL would resize it, RGB24 (HWC) <c>ImageSize x ImageSize</c>, into
    /// <paramref name="destination"/> (at least <c>3 * ImageSize * ImageSize</c> bytes). This is the uint8 image the
    /// model sees before normalisation.
    /// </summary>
    public void WriteResizedPixels(LoadedImage image, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        PilBicubicResampler.Resize(image.Pixels, image.Width, image.Height, destination, ImageSize, ImageSize);
    }

    /// <summary>
    /// Resizes and normalises the image into <paramref name="destination"/>, which receives exactly
    /// <see cref="PixelValuesLength"/> floats laid out [3, ImageSize, ImageSize] (R, G, B planes). Pass a slice of a
    /// batch tensor to fill it without copies.
    /// </summary>
    public void WritePixelValues(LoadedImage image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (destination.Length < PixelValuesLength)
        {
            throw new ArgumentException($"The destination holds {destination.Length} floats; one image needs {PixelValuesLength} (3 x {ImageSize} x {ImageSize}).", nameof(destination));
        }

        int pixelCount = ImageSize * ImageSize;
        byte[] resized = ArrayPool<byte>.Shared.Rent(pixelCount * 3);
        try
        {
            WriteResizedPixels(image, resized);
            _normalizer.Write(resized, pixelCount, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(resized);
        }
    }

    /// <summary>Loads an image and returns its pixel tensor [1, 3, ImageSize, ImageSize] as a new array.</summary>
    /// <exception cref="UnsupportedImageException">The bytes are not an acceptable image.</exception>
    public async Task<float[]> PreprocessAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        using LoadedImage image = await LoadAsync(stream, cancellationToken).ConfigureAwait(false);
        float[] pixelValues = new float[PixelValuesLength];
        WritePixelValues(image, pixelValues);
        return pixelValues;
    }

    private static void Validate(PreprocessingSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.ImageSize, "ImageSize");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.ImageSize, 4096, "ImageSize");
        if (settings.Mean is not { Count: 3 } || settings.Std is not { Count: 3 })
        {
            throw new ArgumentException("Preprocessing mean and std must have three values each (R, G, B).", nameof(settings));
        }

        if (settings.Std.Any(s => !(s > 0) || !float.IsFinite(s)) || settings.Mean.Any(m => !float.IsFinite(m)))
        {
            throw new ArgumentException("Preprocessing std values must be positive and mean/std finite.", nameof(settings));
        }

        if (!(settings.RescaleFactor > 0) || !double.IsFinite(settings.RescaleFactor))
        {
            throw new ArgumentException("The rescale factor must be positive and finite.", nameof(settings));
        }
    }
}
