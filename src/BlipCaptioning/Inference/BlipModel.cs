using BlipCaptioning.Errors;
using BlipCaptioning.Model;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace BlipCaptioning.Inference;

/// <summary>
/// A loaded BLIP model directory: the validated manifest and one ONNX Runtime session per graph
/// (vision encoder, cross-attention keys/values, text decoder). Sessions are thread-safe; one instance serves
/// every caller of a process. Dispose it once, when no run is in flight.
/// </summary>
/// <remarks>
/// The directory layout and graph signatures are <see cref="BlipModelContract"/>'s; the manifest
/// (<c>blip-model.json</c>) records the dimensions, and every session's inputs and outputs are checked against it
/// on load, so a mismatched or hand-edited directory fails here with the graph and tensor named, not mid-caption.
/// </remarks>
public sealed class BlipModel : IDisposable
{
    private readonly InferenceSession _vision;
    private readonly InferenceSession _crossAttention;
    private readonly InferenceSession _decoder;
    private readonly string[] _crossOutputNames;
    private bool _disposed;

    private BlipModel(string directory, BlipModelManifest manifest, SessionThreading threading, InferenceSession vision, InferenceSession crossAttention, InferenceSession decoder)
    {
        Directory = directory;
        Threading = threading;
        Manifest = manifest;
        _vision = vision;
        _crossAttention = crossAttention;
        _decoder = decoder;
        _crossOutputNames = new string[2 * manifest.Text.Layers];
        for (int i = 0; i < manifest.Text.Layers; i++)
        {
            _crossOutputNames[2 * i] = BlipModelContract.CrossKey(i);
            _crossOutputNames[(2 * i) + 1] = BlipModelContract.CrossValue(i);
        }
    }

    /// <summary>The model directory (full path).</summary>
    public string Directory { get; }

    /// <summary>The threads the sessions run on (the shared pool or their own, and why).</summary>
    public SessionThreading Threading { get; }

    /// <summary>The validated manifest.</summary>
    public BlipModelManifest Manifest { get; }

    /// <summary>The WordPiece vocabulary beside the graphs (<c>vocab.txt</c>).</summary>
    public string VocabularyPath => Path.Combine(Directory, BlipModelContract.VocabularyFileName);

    /// <summary>Loads and validates a model directory.</summary>
    /// <param name="directory">A folder written by <c>blip model build</c>, <c>blip model random</c> or <c>blip model fetch</c>.</param>
    /// <param name="settings">Session settings (threads, optimisation level, execution provider hook); null for the defaults.</param>
    /// <exception cref="ModelNotFoundException">The folder, the manifest, a graph or vocab.txt is missing.</exception>
    /// <exception cref="ModelContractException">
    /// The manifest or a graph does not match the contract or <see cref="ModelLimits"/>, or a graph file differs from
    /// the SHA-256 the manifest records (<see cref="ModelIntegrity.Verify(string, BlipModelManifest, CancellationToken)"/>).
    /// </exception>
    public static BlipModel Load(string directory, BlipSessionSettings? settings = null) => Load(directory, settings, checkHashes: true);

    /// <summary>Loads a model directory; <paramref name="checkHashes"/> false skips the SHA-256 of the graph and data files only.</summary>
    internal static BlipModel Load(string directory, BlipSessionSettings? settings, bool checkHashes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        settings ??= BlipSessionSettings.Default;
        string full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new ModelNotFoundException($"The model directory '{full}' does not exist. {ModelNotFoundException.HowToMakeAModel(directory)}");
        }

        var manifest = ReadManifest(full, directory);
        BlipModelValidator.ValidateManifest(manifest);
        ModelIntegrity.Verify(full, manifest, checkHashes, CancellationToken.None);

        var threading = settings.ResolveThreading();
        var sessions = new List<InferenceSession>(3);
        try
        {
            foreach (var (role, file) in BlipModelValidator.Graphs)
            {
                var session = CreateSession(full, file, settings, threading);
                sessions.Add(session);
                BlipModelValidator.ValidateSession(role, manifest.Graphs[role],
                    BlipModelValidator.ToSignatures(session.InputMetadata), BlipModelValidator.ToSignatures(session.OutputMetadata));
            }

            return new BlipModel(full, manifest, threading, sessions[0], sessions[1], sessions[2]);
        }
        catch
        {
            foreach (var session in sessions)
            {
                session.Dispose();
            }

            throw;
        }
    }

    /// <summary>Runs the vision encoder: pixel_values float32 [images, 3, size, size] to image_embeds [images, tokens, hidden].</summary>
    /// <returns>The image embeddings; the caller owns (disposes) them.</returns>
    public OrtValue EncodeImages(OrtValue pixelValues, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        ObjectDisposedException.ThrowIf(_disposed, this);
        long images = pixelValues.GetTensorTypeAndShape().Shape[0];
        var vision = Manifest.Vision;
        var output = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [images, vision.Tokens, vision.HiddenSize]);
        try
        {
            using var run = new CancellableRunOptions(cancellationToken);
            run.Run(options =>
            {
                _vision.Run(options, [BlipModelContract.PixelValues], [pixelValues], [BlipModelContract.ImageEmbeds], [output]);
                return true;
            });
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>Runs the text_cross_kv graph: every decoder layer's cross-attention keys and values for these images.</summary>
    /// <returns>The keys and values; the caller (one generation call) owns them.</returns>
    public CrossAttentionCache ComputeCrossAttention(OrtValue imageEmbeds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(imageEmbeds);
        ObjectDisposedException.ThrowIf(_disposed, this);
        int images = checked((int)imageEmbeds.GetTensorTypeAndShape().Shape[0]);
        var text = Manifest.Text;
        long[] shape = [images, text.Heads, Manifest.Vision.Tokens, text.HeadDim];
        var outputs = new OrtValue[_crossOutputNames.Length];
        try
        {
            for (int i = 0; i < outputs.Length; i++)
            {
                outputs[i] = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, shape);
            }

            using var run = new CancellableRunOptions(cancellationToken);
            run.Run(options =>
            {
                _crossAttention.Run(options, [BlipModelContract.ImageEmbeds], [imageEmbeds], _crossOutputNames, outputs);
                return true;
            });
            return new CrossAttentionCache(outputs, images);
        }
        catch
        {
            foreach (var value in outputs)
            {
                value?.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Starts a decoder run with <paramref name="rowsPerImage"/> rows for each image of <paramref name="crossAttention"/>
    /// (1 for greedy search, the beam count for beam search). The run borrows the cache: dispose the run first.
    /// </summary>
    public OnnxDecoderRun StartDecoder(CrossAttentionCache crossAttention, int rowsPerImage)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new OnnxDecoderRun(_decoder, Manifest.Text, crossAttention, rowsPerImage);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _vision.Dispose();
        _crossAttention.Dispose();
        _decoder.Dispose();
    }

    private static BlipModelManifest ReadManifest(string full, string asGiven)
    {
        string path = Path.Combine(full, BlipModelContract.ManifestFileName);
        if (!File.Exists(path))
        {
            throw new ModelNotFoundException(
                $"'{full}' is not a BLIP model directory: it has no {BlipModelContract.ManifestFileName}. {ModelNotFoundException.HowToMakeAModel(asGiven)}");
        }

        return BlipModelManifest.ReadFile(path);
    }

    private static InferenceSession CreateSession(string directory, string file, BlipSessionSettings settings, SessionThreading threading)
    {
        using var options = settings.CreateSessionOptions(file, threading);
        try
        {
            return new InferenceSession(Path.Combine(directory, file), options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelContractException($"ONNX Runtime could not load {Path.Combine(directory, file)}: {ex.Message}", ex);
        }
    }
}
