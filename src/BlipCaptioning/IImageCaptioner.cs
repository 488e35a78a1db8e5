namespace BlipCaptioning;

/// <summary>Captions images with BLIP. Implementations are thread-safe and share one ONNX session per graph.</summary>
public interface IImageCaptioner
{
    /// <summary>Captions one encoded image (JPEG, PNG, GIF, BMP, WebP; TIFF when enabled).</summary>
    /// <exception cref="Errors.UnsupportedImageException">The bytes are not an image we can caption (terminal).</exception>
    Task<Caption> CaptionAsync(Stream image, CaptionSettings? settings = null, CancellationToken cancellationToken = default);

    /// <summary>Captions several images in one batch; results are in input order and equal the one-by-one results.</summary>
    Task<IReadOnlyList<Caption>> CaptionBatchAsync(IReadOnlyList<Stream> images, CaptionSettings? settings = null, CancellationToken cancellationToken = default);

    /// <summary>What the loaded model is (source, precision); loads the model if it is not loaded yet.</summary>
    Task<ModelDescription> DescribeModelAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The decoding settings a call that passes none is captioned with (the model's generation defaults overridden by
    /// the captioner's options); loads the model if it is not loaded yet.
    /// </summary>
    Task<CaptionSettings> DefaultSettingsAsync(CancellationToken cancellationToken = default);
}
