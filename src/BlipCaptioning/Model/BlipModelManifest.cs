using System.Text.Json;
using System.Text.Json.Serialization;
using BlipCaptioning.Errors;
using BlipCaptioning.Files;

namespace BlipCaptioning.Model;

/// <summary>
/// The manifest (<c>blip-model.json</c>) written beside the graphs: what the model is, where it came from, and the
/// exact inputs and outputs of every graph. The runtime validates the loaded sessions against it.
/// </summary>
public sealed record BlipModelManifest
{
    public int FormatVersion { get; init; } = BlipModelContract.FormatVersion;
    public int Opset { get; init; } = BlipModelContract.OpsetVersion;
    public string OnnxRuntimeVersion { get; init; } = BlipModelContract.OnnxRuntimeVersion;

    /// <summary>"fp32" or "int8".</summary>
    public string Precision { get; init; } = "fp32";

    /// <summary>Where the weights came from: a hub repo and revision, a local folder, or "random:preset:seed".</summary>
    public required string Source { get; init; }

    public required VisionDimensions Vision { get; init; }
    public required TextDimensions Text { get; init; }
    public required SpecialTokenIds Tokens { get; init; }
    public required GenerationDefaults Generation { get; init; }
    public required PreprocessingSettings Preprocessing { get; init; }

    /// <summary>The three graphs, keyed by role: "vision_encoder", "text_cross_kv", "text_decoder".</summary>
    public required IReadOnlyDictionary<string, GraphSignature> Graphs { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>
    /// 16 hex digits of the SHA-256 of this manifest as <see cref="ToJson"/> writes it. The manifest records the SHA-256
    /// of every graph and data file, its source, precision and generation defaults, so a model rebuilt from other
    /// weights or settings gets another fingerprint (<see cref="ModelDescription.Fingerprint"/>).
    /// </summary>
    public string Fingerprint() =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ToJson())))[..16];

    public static BlipModelManifest FromJson(string json) =>
        JsonSerializer.Deserialize<BlipModelManifest>(json, JsonOptions)
        ?? throw new JsonException("The manifest is empty.");

    /// <summary>
    /// Reads and parses a manifest file of at most <see cref="ModelLimits.MaxManifestBytes"/> (a regular file only).
    /// It is not checked against the contract: <see cref="ModelIntegrity.Validate"/> does that.
    /// </summary>
    /// <exception cref="ModelContractException">The file is too large, not a regular file, or not a manifest.</exception>
    public static BlipModelManifest ReadFile(string path)
    {
        string json = BoundedFile.ReadAllText(path, ModelLimits.MaxManifestBytes, message => new ModelContractException($"{message} It cannot be a BLIP model manifest."));
        try
        {
            return FromJson(json);
        }
        catch (JsonException ex)
        {
            throw new ModelContractException($"{path} is not a valid BLIP model manifest: {ex.Message}", ex);
        }
    }
}

public sealed record VisionDimensions(int ImageSize, int PatchSize, int HiddenSize, int Layers, int Heads, int IntermediateSize, double LayerNormEps)
{
    /// <summary>Patches plus the class token: 577 for 384/16.</summary>
    public int Tokens => (ImageSize / PatchSize) * (ImageSize / PatchSize) + 1;
}

public sealed record TextDimensions(int HiddenSize, int Layers, int Heads, int IntermediateSize, int VocabSize, int MaxPositions, int EncoderHiddenSize, double LayerNormEps)
{
    public int HeadDim => HiddenSize / Heads;
}

public sealed record SpecialTokenIds(long DecoderStart, long Separator, long Pad);

/// <summary>transformers' defaults for this checkpoint unless generation_config.json says otherwise.</summary>
public sealed record GenerationDefaults(int MaxLength = 20, int MinLength = 0, int NumBeams = 1, double LengthPenalty = 1.0,
    bool EarlyStopping = false, double RepetitionPenalty = 1.0, int NoRepeatNgramSize = 0);

public sealed record PreprocessingSettings(int ImageSize, IReadOnlyList<float> Mean, IReadOnlyList<float> Std, double RescaleFactor = 1.0 / 255.0);

/// <summary>One graph: its file, SHA-256 and the exact inputs and outputs in order.</summary>
public sealed record GraphSignature(string File, string? Sha256, IReadOnlyList<TensorSignature> Inputs, IReadOnlyList<TensorSignature> Outputs)
{
    /// <summary>
    /// The graph's external weights file beside it (<c>&lt;file&gt;.data</c>, referenced from the graph by this relative
    /// name), or null when all weights are inside the graph. Load graphs by path so ONNX Runtime can find it.
    /// </summary>
    public string? DataFile { get; init; }

    /// <summary>SHA-256 (lowercase hex) of <see cref="DataFile"/>.</summary>
    public string? DataSha256 { get; init; }
}

/// <summary>A named tensor: element type ("float32", "int64") and shape, where a string dimension is symbolic ("batch").</summary>
public sealed record TensorSignature(string Name, string ElementType, IReadOnlyList<string> Shape);
