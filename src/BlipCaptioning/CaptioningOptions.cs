using BlipCaptioning.Inference;
using BlipCaptioning.Model;
using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning;

/// <summary>
/// Settings of an <see cref="ImageCaptioner"/>, bound from the <c>Captioning</c> configuration section
/// (<c>Captioning__ModelDirectory</c> and friends; README "Settings"). Validated by <see cref="CaptioningOptionsValidator"/>.
/// </summary>
public sealed class CaptioningOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Captioning";

    /// <summary>Folder holding the built model (<c>blip-model.json</c>, the three graphs, <c>vocab.txt</c>). Required.</summary>
    public string? ModelDirectory { get; set; }

    /// <summary>ONNX Runtime intra-op threads per session; 0 (the default) uses one per CPU the process may use.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Shared (the default): the graphs run on one process-wide ONNX Runtime thread pool; PerSession: each session
    /// starts its own. See <see cref="BlipSessionSettings.ThreadPool"/>.
    /// </summary>
    public SessionThreadPool ThreadPool { get; set; } = SessionThreadPool.Shared;

    /// <summary>
    /// Let idle ONNX Runtime threads spin for work. Unset (the default): on with the shared pool, off with per-session
    /// pools. See <see cref="BlipSessionSettings.AllowSpinning"/>.
    /// </summary>
    public bool? AllowSpinning { get; set; }

    /// <summary>ONNX Runtime inter-op threads per session; 0 (the default) lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; set; }

    /// <summary>ONNX Runtime graph optimisation level (ORT_DISABLE_ALL, ORT_ENABLE_BASIC, ORT_ENABLE_EXTENDED, ORT_ENABLE_ALL). Defaults to ORT_ENABLE_ALL.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel { get; set; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Optional folder where ONNX Runtime writes the optimised graphs on load (diagnostics).</summary>
    public string? OptimizedModelDirectory { get; set; }

    /// <summary>
    /// Hook called for each session's options (code only, not bound): append an execution provider, set a config entry.
    /// </summary>
    public Action<SessionOptions>? ConfigureSessionOptions { get; set; }

    /// <summary>The largest <see cref="MaxConcurrency"/> accepted: each caption in flight holds a decoded image and its tensors.</summary>
    public const int MaxConcurrencyLimit = 64;

    /// <summary>
    /// Captions computed at once, 1 to <see cref="MaxConcurrencyLimit"/>; further callers wait. Each caption already uses
    /// every core, so 1 (the default) suits small hosts.
    /// </summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>Larger inputs are rejected with <see cref="Errors.UnsupportedImageException"/> before decoding. Default 50 MiB.</summary>
    public long MaxImageBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>Images with more pixels (width x height, read from the header) are rejected before decoding. Default 40 million.</summary>
    public long MaxImagePixels { get; set; } = 40_000_000;

    /// <summary>
    /// How long decoding one image may take before it is stopped and refused with <see cref="Errors.UnsupportedImageException"/>
    /// (<see cref="Preprocessing.ImageLoadingOptions.DecodeTimeout"/>). Default 20 seconds.
    /// </summary>
    public TimeSpan ImageDecodeTimeout { get; set; } = Preprocessing.ImageLoadingOptions.DefaultDecodeTimeout;

    /// <summary>Accept TIFF images (off by default: TIFF decoding is a large attack surface and rarely needed).</summary>
    public bool EnableTiff { get; set; }

    /// <summary>Default prompt when a call passes no <see cref="CaptionSettings"/> (null: unconditional captioning).</summary>
    public string? Prompt { get; set; }

    /// <summary>Default beam count; null uses the model's (blip-model.json generation defaults: 1, greedy, for BLIP base).</summary>
    public int? NumBeams { get; set; }

    /// <summary>Default maximum sequence length counting [DEC] and the prompt; null uses the model's (20 for BLIP base).</summary>
    public int? MaxLength { get; set; }

    /// <summary>Default minimum sequence length counting [DEC] and the prompt; null uses the model's (0 for BLIP base).</summary>
    public int? MinLength { get; set; }

    /// <summary>
    /// The settings used when a call passes none: the model's generation defaults (from its manifest), overridden by
    /// this object's <see cref="Prompt"/>, <see cref="NumBeams"/>, <see cref="MaxLength"/> and <see cref="MinLength"/> where set.
    /// </summary>
    public CaptionSettings DefaultCaptionSettings(GenerationDefaults modelDefaults)
    {
        ArgumentNullException.ThrowIfNull(modelDefaults);
        return new CaptionSettings
        {
            Prompt = string.IsNullOrEmpty(Prompt) ? null : Prompt,
            NumBeams = NumBeams ?? modelDefaults.NumBeams,
            MaxLength = MaxLength ?? modelDefaults.MaxLength,
            MinLength = MinLength ?? modelDefaults.MinLength,
            LengthPenalty = modelDefaults.LengthPenalty,
            EarlyStopping = modelDefaults.EarlyStopping,
            RepetitionPenalty = modelDefaults.RepetitionPenalty,
            NoRepeatNgramSize = modelDefaults.NoRepeatNgramSize,
        };
    }

    internal BlipSessionSettings ToSessionSettings() => new()
    {
        IntraOpThreads = IntraOpThreads,
        InterOpThreads = InterOpThreads,
        ThreadPool = ThreadPool,
        AllowSpinning = AllowSpinning,
        GraphOptimizationLevel = GraphOptimizationLevel,
        OptimizedModelDirectory = OptimizedModelDirectory,
        ConfigureSessionOptions = ConfigureSessionOptions,
    };
}
