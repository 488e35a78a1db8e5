using System.Buffers;
using System.Diagnostics;
using BlipCaptioning.Diagnostics;
using BlipCaptioning.Errors;
using BlipCaptioning.Inference;
using BlipCaptioning.Preprocessing;
using BlipCaptioning.Search;
using BlipCaptioning.Tokenization;
using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning;

/// <summary>
/// A loaded model with its tokenizer and image preprocessor: the synchronous, CPU-bound captioning pipeline that
/// <see cref="ImageCaptioner"/> schedules. Thread-safe; every call owns its tensors and decoder cache.
/// </summary>
internal sealed class CaptioningEngine : IDisposable
{
    private CaptioningEngine(BlipModel model, BlipTokenizer tokenizer, BlipImagePreprocessor preprocessor)
    {
        Model = model;
        Tokenizer = tokenizer;
        Preprocessor = preprocessor;
        Description = new ModelDescription(model.Manifest.Source, model.Manifest.Precision, model.Directory, model.Manifest.Fingerprint());
    }

    public BlipModel Model { get; }

    /// <summary>What the model is, recorded with every caption.</summary>
    public ModelDescription Description { get; }

    public BlipTokenizer Tokenizer { get; }

    public BlipImagePreprocessor Preprocessor { get; }

    /// <param name="directory">The model folder.</param>
    /// <param name="sessionSettings">How the ONNX Runtime sessions are made.</param>
    /// <param name="loadingOptions">The image limits.</param>
    /// <param name="checkHashes">
    /// Whether to check the graph and data files against the SHA-256 the manifest records; false only when whoever
    /// just wrote the folder has checked them (<see cref="ModelSourceResult.WrittenAndVerified"/>).
    /// </param>
    public static CaptioningEngine Load(string directory, BlipSessionSettings sessionSettings, ImageLoadingOptions loadingOptions, bool checkHashes = true)
    {
        var model = BlipModel.Load(directory, sessionSettings, checkHashes);
        try
        {
            var tokenizer = BlipTokenizer.Create(model.VocabularyPath);
            var preprocessor = new BlipImagePreprocessor(model.Manifest.Preprocessing, loadingOptions);
            return new CaptioningEngine(model, tokenizer, preprocessor);
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or IOException)
        {
            model.Dispose();
            throw new ModelContractException($"The model directory '{model.Directory}' has an unusable vocab.txt or preprocessing section: {ex.Message}", ex);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Encodes the prompt and resolves the search for <paramref name="settings"/>, so that settings that cannot run
    /// fail before any image is decoded.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range for this model and prompt.</exception>
    public CaptionPlan Plan(CaptionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        long[] promptIds = Tokenizer.EncodePrompt(settings.Prompt);
        var manifest = Model.Manifest;
        var generation = GenerationSettings.Resolve(settings, manifest.Generation, manifest.Tokens, manifest.Text.MaxPositions);
        generation.Validate(promptIds.Length);
        return new CaptionPlan(settings, promptIds, generation.CreateStrategy());
    }

    /// <summary>Captions decoded images as one batch: one pixel tensor, one vision run, one cross-attention run, one search.</summary>
    /// <param name="images">The decoded images of the batch.</param>
    /// <param name="decodeTimes">How long each image took to decode (reported in its timings).</param>
    /// <param name="plan">The prompt and search from <see cref="Plan"/>.</param>
    /// <param name="cancellationToken">Checked between stages and before every decoder step.</param>
    /// <param name="stepTrace">When given, receives the time and managed allocations of every decoder step (for <c>blip bench</c>).</param>
    public IReadOnlyList<Caption> Caption(IReadOnlyList<LoadedImage> images, IReadOnlyList<TimeSpan> decodeTimes, CaptionPlan plan, CancellationToken cancellationToken, DecoderStepTrace? stepTrace = null)
    {
        using var stages = new StageSpans(CaptionStage.Preprocess);
        var (settings, promptIds, strategy) = plan;

        int perImage = Preprocessor.PixelValuesLength;
        int size = Preprocessor.ImageSize;
        float[] pixels = ArrayPool<float>.Shared.Rent(images.Count * perImage);
        TimeSpan preprocess, vision, crossAttention, generate, detokenize;
        IReadOnlyList<GeneratedSequence> sequences;
        CrossAttentionCache cross;
        try
        {
            // Each image is resized and normalised straight into its slice of the batch tensor.
            for (int i = 0; i < images.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Preprocessor.WritePixelValues(images[i], pixels.AsSpan(i * perImage, perImage));
            }

            preprocess = stages.Next(CaptionStage.VisionEncoder);
            using var pixelValues = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, pixels.AsMemory(0, images.Count * perImage), [images.Count, 3, size, size]);
            using var imageEmbeds = Model.EncodeImages(pixelValues, cancellationToken);
            vision = stages.Next(CaptionStage.CrossKv);
            cross = Model.ComputeCrossAttention(imageEmbeds, cancellationToken);
            crossAttention = stages.Next(CaptionStage.Generate);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(pixels);
        }

        using (cross)
        using (var decoder = Model.StartDecoder(cross, strategy.RowsPerImage))
        {
            IDecoderRun run = stepTrace is null ? decoder : new TimedDecoderRun(decoder, stepTrace);
            sequences = strategy.Generate(run, promptIds, cancellationToken);
            stages.SetTag(CaptioningAttributes.TokensGenerated, sequences.Sum(sequence => sequence.Steps));
            generate = stages.Next(CaptionStage.Detokenize);
        }

        EnsureFiniteScores(sequences);
        var captions = new Caption[images.Count];
        var texts = new string[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            texts[i] = Tokenizer.DecodeCaption([.. sequences[i].Ids], promptIds.Length, settings.StripPrompt);
        }

        detokenize = stages.Complete();
        for (int i = 0; i < images.Count; i++)
        {
            var timings = new CaptionTimings(decodeTimes[i], preprocess, vision, crossAttention, generate, detokenize, sequences[i].Steps);
            captions[i] = new Caption(texts[i], sequences[i].Ids, sequences[i].Score, images[i].Facts, timings, settings, Description);
        }

        return captions;
    }

    public void Dispose() => Model.Dispose();

    /// <summary>
    /// Finite logits always give a finite score; NaN or infinity means the model's weights hold such values (a model
    /// built before <c>blip model build</c> refused them, or one changed by hand). Its captions are noise, and its
    /// score would break every JSON writer downstream, so the caption is refused with the reason.
    /// </summary>
    private void EnsureFiniteScores(IReadOnlyList<GeneratedSequence> sequences)
    {
        foreach (var sequence in sequences)
        {
            if (!double.IsFinite(sequence.Score))
            {
                throw new ModelContractException(
                    $"The model in '{Model.Directory}' produced a non-finite score ({sequence.Score.ToString(System.Globalization.CultureInfo.InvariantCulture)}): "
                    + "its weights hold NaN or infinity. Rebuild it with `blip model build`, which refuses such weights.");
            }
        }
    }
}
