using System.Globalization;
using System.Text;
using BlipCaptioning.Errors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace BlipCaptioning.Model;

/// <summary>
/// Checks a model directory's manifest against <see cref="BlipModelContract"/>, and each loaded ONNX session's
/// inputs and outputs against the manifest. Every mismatch is named (graph, tensor, expected, actual) in one
/// <see cref="ModelContractException"/>, so a person sees everything that is wrong at once.
/// </summary>
internal static class BlipModelValidator
{
    /// <summary>The graph roles in load order, with their contract file names.</summary>
    public static readonly IReadOnlyList<(string Role, string File)> Graphs =
    [
        (BlipGraphRoles.VisionEncoder, BlipModelContract.VisionEncoderFileName),
        (BlipGraphRoles.TextCrossAttention, BlipModelContract.CrossAttentionFileName),
        (BlipGraphRoles.TextDecoder, BlipModelContract.TextDecoderFileName),
    ];

    private static readonly string[] s_precisions = ["fp32", "int8"];

    /// <summary>Validates the manifest itself: format version, precision, dimensions and the three graph signatures.</summary>
    /// <exception cref="ModelContractException">Anything does not match the contract.</exception>
    public static void ValidateManifest(BlipModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var problems = new List<string>();
        if (manifest.FormatVersion != BlipModelContract.FormatVersion)
        {
            problems.Add($"format_version is {manifest.FormatVersion}, this runtime reads version {BlipModelContract.FormatVersion}; rebuild the model with this version of `blip model build` or `blip model random`");
        }

        if (!s_precisions.Contains(manifest.Precision, StringComparer.Ordinal))
        {
            problems.Add($"precision is '{manifest.Precision}', expected one of {string.Join(", ", s_precisions)}");
        }

        if (manifest.Text is null || manifest.Vision is null || manifest.Graphs is null || manifest.Tokens is null
            || manifest.Generation is null || manifest.Preprocessing is null)
        {
            problems.Add("the manifest has no vision, text, tokens, generation, preprocessing or graphs section");
            Throw(problems);
        }

        ManifestLimits.Check(manifest, problems);
        if (problems.Count == 0 && manifest.Text!.HiddenSize % manifest.Text.Heads != 0)
        {
            problems.Add($"text hidden_size {manifest.Text.HiddenSize} is not a multiple of text heads {manifest.Text.Heads}");
        }

        if (problems.Count == 0 && manifest.Vision!.ImageSize % manifest.Vision.PatchSize != 0)
        {
            problems.Add($"vision image_size {manifest.Vision.ImageSize} is not a multiple of patch_size {manifest.Vision.PatchSize}");
        }

        if (problems.Count == 0)
        {
            foreach (var (role, file) in Graphs)
            {
                if (!manifest.Graphs!.TryGetValue(role, out var graph) || graph is null)
                {
                    problems.Add($"graph '{role}' is missing (expected file {file})");
                    continue;
                }

                if (!string.Equals(graph.File, file, StringComparison.Ordinal))
                {
                    problems.Add($"graph '{role}': file is '{graph.File}', expected '{file}'");
                }

                // The data file is read (and copied by the app) by this name: only the contract's is accepted.
                if (graph.DataFile is not null && !string.Equals(graph.DataFile, file + ".data", StringComparison.Ordinal))
                {
                    problems.Add($"graph '{role}': data_file is '{graph.DataFile}', expected '{file}.data' or none");
                }

                CheckSha256(role, "sha256", graph.Sha256, problems);
                CheckSha256(role, "data_sha256", graph.DataSha256, problems);

                var expected = ExpectedSignature(role, manifest);
                Compare(role, "input", expected.Inputs, graph.Inputs ?? [], problems);
                Compare(role, "output", expected.Outputs, graph.Outputs ?? [], problems);
            }
        }

        Throw(problems);
    }

    /// <summary>Validates what a loaded session declares against the graph's entry in the manifest.</summary>
    /// <exception cref="ModelContractException">An input or output differs in name, element type or shape.</exception>
    public static void ValidateSession(string role, GraphSignature expected, IReadOnlyList<TensorSignature> actualInputs, IReadOnlyList<TensorSignature> actualOutputs)
    {
        var problems = new List<string>();
        Compare(role, "input", expected.Inputs, actualInputs, problems);
        Compare(role, "output", expected.Outputs, actualOutputs, problems);
        if (problems.Count > 0)
        {
            throw new ModelContractException(
                $"The ONNX graph {expected.File} does not match {BlipModelContract.ManifestFileName}: {string.Join("; ", problems)}. "
                + "The model directory is inconsistent; rebuild it with `blip model build` or `blip model random`.");
        }
    }

    /// <summary>What the contract requires of a graph, given the manifest's dimensions (dynamic axes are named).</summary>
    public static GraphSignature ExpectedSignature(string role, BlipModelManifest manifest)
    {
        var v = manifest.Vision;
        var t = manifest.Text;
        string tokens = Dim(v.Tokens);
        string heads = Dim(t.Heads);
        string headDim = Dim(t.HeadDim);
        switch (role)
        {
            case BlipGraphRoles.VisionEncoder:
                return new GraphSignature(BlipModelContract.VisionEncoderFileName, null,
                    [Float(BlipModelContract.PixelValues, "batch", "3", Dim(v.ImageSize), Dim(v.ImageSize))],
                    [Float(BlipModelContract.ImageEmbeds, "batch", tokens, Dim(v.HiddenSize))]);
            case BlipGraphRoles.TextCrossAttention:
                {
                    var outputs = new List<TensorSignature>();
                    for (int i = 0; i < t.Layers; i++)
                    {
                        outputs.Add(Float(BlipModelContract.CrossKey(i), "images", heads, tokens, headDim));
                        outputs.Add(Float(BlipModelContract.CrossValue(i), "images", heads, tokens, headDim));
                    }

                    return new GraphSignature(BlipModelContract.CrossAttentionFileName, null,
                        [Float(BlipModelContract.ImageEmbeds, "images", tokens, Dim(t.EncoderHiddenSize))], outputs);
                }

            case BlipGraphRoles.TextDecoder:
                {
                    var inputs = new List<TensorSignature> { new(BlipModelContract.InputIds, "int64", ["batch", "sequence"]) };
                    var outputs = new List<TensorSignature> { Float(BlipModelContract.Logits, "batch", Dim(t.VocabSize)) };
                    for (int i = 0; i < t.Layers; i++)
                    {
                        inputs.Add(Float(BlipModelContract.PastKey(i), "batch", heads, "past_sequence", headDim));
                        inputs.Add(Float(BlipModelContract.PastValue(i), "batch", heads, "past_sequence", headDim));
                        outputs.Add(Float(BlipModelContract.PresentKey(i), "batch", heads, "total_sequence", headDim));
                        outputs.Add(Float(BlipModelContract.PresentValue(i), "batch", heads, "total_sequence", headDim));
                    }

                    for (int i = 0; i < t.Layers; i++)
                    {
                        inputs.Add(Float(BlipModelContract.CrossKey(i), "images", heads, tokens, headDim));
                        inputs.Add(Float(BlipModelContract.CrossValue(i), "images", heads, tokens, headDim));
                    }

                    return new GraphSignature(BlipModelContract.TextDecoderFileName, null, inputs, outputs);
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown graph role.");
        }
    }

    /// <summary>An ONNX Runtime node's metadata as a <see cref="TensorSignature"/> (symbolic dimensions by name, or "?").</summary>
    public static TensorSignature ToSignature(string name, NodeMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.IsTensor)
        {
            return new TensorSignature(name, metadata.OnnxValueType.ToString(), []);
        }

        var shape = new string[metadata.Dimensions.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            int d = metadata.Dimensions[i];
            string symbol = i < metadata.SymbolicDimensions.Length ? metadata.SymbolicDimensions[i] : string.Empty;
            shape[i] = d >= 0 ? Dim(d) : (string.IsNullOrEmpty(symbol) ? "?" : symbol);
        }

        return new TensorSignature(name, ElementTypeName(metadata.ElementDataType), shape);
    }

    /// <summary>Signatures of all of a session's inputs or outputs, in the session's order.</summary>
    public static IReadOnlyList<TensorSignature> ToSignatures(IReadOnlyDictionary<string, NodeMetadata> metadata) =>
        metadata.Select(pair => ToSignature(pair.Key, pair.Value)).ToList();

    public static string ElementTypeName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Float16 => "float16",
        TensorElementType.BFloat16 => "bfloat16",
        TensorElementType.Double => "float64",
        TensorElementType.Int64 => "int64",
        TensorElementType.Int32 => "int32",
        TensorElementType.Int8 => "int8",
        TensorElementType.UInt8 => "uint8",
        TensorElementType.Bool => "bool",
        TensorElementType.String => "string",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static void Compare(string role, string side, IReadOnlyList<TensorSignature> expected, IReadOnlyList<TensorSignature> actual, List<string> problems)
    {
        var actualByName = new Dictionary<string, TensorSignature>(StringComparer.Ordinal);
        foreach (var tensor in actual)
        {
            actualByName[tensor.Name] = tensor;
        }

        foreach (var want in expected)
        {
            if (!actualByName.Remove(want.Name, out var have))
            {
                problems.Add($"graph '{role}' {side} '{want.Name}': missing (expected {Describe(want)})");
                continue;
            }

            if (!string.Equals(want.ElementType, have.ElementType, StringComparison.Ordinal) || !ShapeMatches(want.Shape, have.Shape))
            {
                problems.Add($"graph '{role}' {side} '{want.Name}': expected {Describe(want)}, found {Describe(have)}");
            }
        }

        foreach (var extra in actualByName.Values)
        {
            problems.Add($"graph '{role}' {side} '{extra.Name}': not part of the contract (found {Describe(extra)})");
        }
    }

    private static bool ShapeMatches(IReadOnlyList<string> want, IReadOnlyList<string>? have)
    {
        if (have is null || want.Count != have.Count)
        {
            return false;
        }

        for (int i = 0; i < want.Count; i++)
        {
            bool wantFixed = IsFixed(want[i]);
            bool haveFixed = IsFixed(have[i]);
            if (wantFixed && haveFixed && want[i] != have[i])
            {
                return false;
            }

            // A dynamic axis (batch, sequence) must stay dynamic: a graph fixed to batch 1 cannot serve beams.
            // A fixed axis that a writer left symbolic is accepted; the run itself checks the actual sizes.
            if (!wantFixed && haveFixed)
            {
                return false;
            }
        }

        return true;
    }

    private static void CheckSha256(string role, string field, string? value, List<string> problems)
    {
        if (value is not null && (value.Length != 64 || !value.All(char.IsAsciiHexDigit)))
        {
            problems.Add($"graph '{role}': {field} is not a SHA-256 (64 hexadecimal digits)");
        }
    }

    private static bool IsFixed(string dimension) => long.TryParse(dimension, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static string Describe(TensorSignature tensor) =>
        $"{tensor.ElementType} [{string.Join(", ", tensor.Shape ?? [])}]";

    private static string Dim(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static TensorSignature Float(string name, params string[] shape) => new(name, "float32", shape);

    private static void Throw(List<string> problems)
    {
        if (problems.Count == 0)
        {
            return;
        }

        var message = new StringBuilder($"{BlipModelContract.ManifestFileName} does not match the model contract: ");
        message.AppendJoin("; ", problems);
        message.Append(". Rebuild the model directory with `blip model build` or `blip model random`.");
        throw new ModelContractException(message.ToString());
    }
}
