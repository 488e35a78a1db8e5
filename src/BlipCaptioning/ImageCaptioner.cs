using System.Diagnostics;
using BlipCaptioning.Diagnostics;
using BlipCaptioning.Errors;
using BlipCaptioning.Preprocessing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlipCaptioning;

/// <summary>
/// Captions images with a BLIP model directory: decode and preprocess (PIL-exact), vision encoder, cross-attention
/// keys/values, greedy or beam search over the text decoder, detokenize. Thread-safe; share one instance per process.
/// </summary>
/// <remarks>
/// The model loads on the first call (never in the constructor), once; a failed load is not remembered, so the
/// next call tries again and reports the same clear error if the cause remains. An <see cref="IModelSource"/>, when
/// given, puts the model folder in place before each load attempt. At most <see cref="CaptioningOptions.MaxConcurrency"/>
/// captions run at once; the CPU-bound stages run on the thread pool.
/// </remarks>
public sealed class ImageCaptioner : IImageCaptioner, IDisposable
{
    private readonly CaptioningOptions _options;
    private readonly string _modelDirectory;
    private readonly ILogger _logger;
    private readonly IModelSource? _modelSource;
    private readonly SemaphoreSlim _concurrency;
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private volatile CaptioningEngine? _engine;
    private volatile LoadedModel? _loadedModel;
    private volatile bool _disposed;

    /// <summary>Creates a captioner; nothing is loaded until the first caption.</summary>
    /// <param name="options">The settings; validated here with <see cref="CaptioningOptionsValidator"/>.</param>
    /// <param name="logger">Optional logger (model load, failures).</param>
    /// <param name="modelSource">Optional: puts the model folder in place before the model loads (e.g. copies it from storage).</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public ImageCaptioner(CaptioningOptions options, ILogger<ImageCaptioner>? logger = null, IModelSource? modelSource = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new CaptioningOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(options));
        }

        _options = options;
        _modelDirectory = options.ModelDirectory!;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _modelSource = modelSource;
        _concurrency = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
    }

    /// <summary>Whether the model has been loaded (by a caption or <see cref="DescribeModelAsync"/>).</summary>
    public bool IsModelLoaded => _engine is not null;

    /// <summary>The loaded model and how long it took to load; null until a load succeeds. Never loads it.</summary>
    public LoadedModel? LoadedModel => _loadedModel;

    /// <inheritdoc/>
    public async Task<Caption> CaptionAsync(Stream image, CaptionSettings? settings = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var captions = await CaptionBatchAsync([image], settings, cancellationToken).ConfigureAwait(false);
        return captions[0];
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The batch runs as one tensor through every graph; an image that cannot be decoded fails the whole call with an
    /// <see cref="UnsupportedImageException"/> naming its position (caption one at a time to isolate bad inputs).
    /// </remarks>
    public async Task<IReadOnlyList<Caption>> CaptionBatchAsync(IReadOnlyList<Stream> images, CaptionSettings? settings = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (images.Count == 0)
        {
            return [];
        }

        using var telemetry = new CaptionCallTelemetry(images.Count);
        await _concurrency.WaitAsync(cancellationToken).ConfigureAwait(false);
        telemetry.Admitted();
        var loaded = new List<LoadedImage>(images.Count);
        try
        {
            var engine = await GetEngineAsync(cancellationToken).ConfigureAwait(false);
            telemetry.Model(engine.Model.Manifest.Source, engine.Model.Manifest.Precision);
            var plan = engine.Plan(settings ?? _options.DefaultCaptionSettings(engine.Model.Manifest.Generation));
            var decodeTimes = new TimeSpan[images.Count];
            for (int i = 0; i < images.Count; i++)
            {
                ArgumentNullException.ThrowIfNull(images[i], nameof(images));
                using var decode = new StageSpans(CaptionStage.Decode);
                try
                {
                    loaded.Add(await engine.Preprocessor.LoadAsync(images[i], cancellationToken).ConfigureAwait(false));
                    decode.SetTag(CaptioningAttributes.ImageBytes, loaded[^1].Facts.Bytes);
                    telemetry.ImageDecoded(loaded[^1].Facts);
                }
                catch (UnsupportedImageException ex) when (images.Count > 1)
                {
                    throw new UnsupportedImageException($"Image {i + 1} of {images.Count}: {ex.Message}", ex);
                }

                decodeTimes[i] = decode.Complete();
            }

            var captions = await Task.Run(() => engine.Caption(loaded, decodeTimes, plan, cancellationToken), cancellationToken).ConfigureAwait(false);
            telemetry.Succeeded(captions);
            return captions;
        }
        catch (Exception ex)
        {
            telemetry.Failed(ex);
            throw;
        }
        finally
        {
            foreach (var image in loaded)
            {
                image.Dispose();
            }

            _concurrency.Release();
        }
    }

    /// <inheritdoc/>
    public async Task<ModelDescription> DescribeModelAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var engine = await GetEngineAsync(cancellationToken).ConfigureAwait(false);
        return engine.Description;
    }

    /// <inheritdoc/>
    public async Task<CaptionSettings> DefaultSettingsAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var engine = await GetEngineAsync(cancellationToken).ConfigureAwait(false);
        return _options.DefaultCaptionSettings(engine.Model.Manifest.Generation);
    }

    /// <summary>Releases the ONNX Runtime sessions. Call it once no caption is in flight.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _engine?.Dispose();
        _engine = null;
        _loadGate.Dispose();
        _concurrency.Dispose();
    }

    private async Task<CaptioningEngine> GetEngineAsync(CancellationToken cancellationToken)
    {
        if (_engine is { } ready)
        {
            return ready;
        }

        await _loadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_engine is { } loadedMeanwhile)
            {
                return loadedMeanwhile;
            }

            // The source's own errors (a storage fault, a damaged copy) reach the caller as they are.
            ModelSourceResult source = _modelSource is null
                ? ModelSourceResult.Unchanged
                : await _modelSource.PrepareAsync(Path.GetFullPath(_modelDirectory), cancellationToken).ConfigureAwait(false);
            bool checkHashes = source != ModelSourceResult.WrittenAndVerified;

            long started = Stopwatch.GetTimestamp();
            ImageLoadingOptions loadingOptions = _options.ToImageLoadingOptions();
            CaptioningEngine engine;
            try
            {
                // Session creation is seconds of CPU work for the base model: keep it off the caller's thread.
                engine = await Task.Run(() => CaptioningEngine.Load(_modelDirectory, _options.ToSessionSettings(), loadingOptions, checkHashes), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not CaptioningException and not OperationCanceledException)
            {
                ModelLoadTelemetry.Failed(started, ex);
                CaptioningLog.ModelLoadFailed(_logger, ex, _modelDirectory);
                throw new CaptioningException($"Could not load the BLIP model from '{_modelDirectory}': {ex.Message}", ex);
            }
            catch (CaptioningException ex)
            {
                // Not cached: the next call retries (the folder may be being copied or built).
                ModelLoadTelemetry.Failed(started, ex);
                CaptioningLog.ModelLoadFailed(_logger, ex, _modelDirectory);
                throw;
            }

            double elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            ModelLoadTelemetry.Loaded(started, engine.Model.Manifest.Source, engine.Model.Manifest.Precision);
            _loadedModel = new LoadedModel(engine.Model.Manifest.Source, engine.Model.Manifest.Precision, engine.Model.Directory,
                TimeSpan.FromMilliseconds(elapsedMs), DateTimeOffset.UtcNow);
            CaptioningLog.ModelLoaded(_logger, engine.Model.Manifest.Source, engine.Model.Manifest.Precision, engine.Model.Directory, elapsedMs, engine.Model.Threading);
            if (engine.Model.Threading.WhyNotShared is { } reason)
            {
                CaptioningLog.SharedThreadPoolUnavailable(_logger, reason);
            }

            _engine = engine;
            return engine;
        }
        finally
        {
            _loadGate.Release();
        }
    }
}
