using System.Globalization;

namespace BlipCaptioning.Model;

/// <summary>
/// Checks a manifest's sizes, special ids, generation defaults and preprocessing against <see cref="ModelLimits"/>
/// and what the runtime can run, naming each field as blip-model.json spells it. A model folder that fails here
/// fails at load, not on every caption.
/// </summary>
internal static class ManifestLimits
{
    public static void Check(BlipModelManifest manifest, List<string> problems)
    {
        var vision = manifest.Vision;
        var text = manifest.Text;
        InRange(problems, "vision.image_size", vision.ImageSize, 1, ModelLimits.MaxImageSize);
        InRange(problems, "vision.patch_size", vision.PatchSize, 1, Math.Max(1, vision.ImageSize));
        InRange(problems, "vision.hidden_size", vision.HiddenSize, 1, ModelLimits.MaxHiddenSize);
        InRange(problems, "vision.layers", vision.Layers, 1, ModelLimits.MaxLayers);
        InRange(problems, "vision.heads", vision.Heads, 1, ModelLimits.MaxHeads);
        InRange(problems, "vision.intermediate_size", vision.IntermediateSize, 1, ModelLimits.MaxIntermediateSize);
        if (vision.ImageSize >= 1 && vision.PatchSize >= 1)
        {
            long side = vision.ImageSize / vision.PatchSize;
            InRange(problems, "vision image tokens ((image_size / patch_size)² + 1)", (side * side) + 1, 2, ModelLimits.MaxImageTokens);
        }

        InRange(problems, "text.hidden_size", text.HiddenSize, 1, ModelLimits.MaxHiddenSize);
        InRange(problems, "text.layers", text.Layers, 1, ModelLimits.MaxLayers);
        InRange(problems, "text.heads", text.Heads, 1, ModelLimits.MaxHeads);
        InRange(problems, "text.intermediate_size", text.IntermediateSize, 1, ModelLimits.MaxIntermediateSize);
        InRange(problems, "text.vocab_size", text.VocabSize, 1, ModelLimits.MaxVocabSize);
        InRange(problems, "text.max_positions", text.MaxPositions, 2, ModelLimits.MaxPositions);
        if (text.EncoderHiddenSize != vision.HiddenSize)
        {
            problems.Add(Invariant($"text.encoder_hidden_size is {text.EncoderHiddenSize} but vision.hidden_size is {vision.HiddenSize}; they must be equal"));
        }

        Positive(problems, "vision.layer_norm_eps", vision.LayerNormEps);
        Positive(problems, "text.layer_norm_eps", text.LayerNormEps);

        var tokens = manifest.Tokens;
        InRange(problems, "tokens.decoder_start", tokens.DecoderStart, 0, text.VocabSize - 1L);
        InRange(problems, "tokens.separator", tokens.Separator, 0, text.VocabSize - 1L);
        InRange(problems, "tokens.pad", tokens.Pad, 0, text.VocabSize - 1L);

        CheckGeneration(manifest.Generation, Math.Clamp(text.MaxPositions, 2, ModelLimits.MaxPositions), problems);

        var preprocessing = manifest.Preprocessing;
        if (preprocessing.ImageSize != vision.ImageSize)
        {
            problems.Add(Invariant($"preprocessing.image_size is {preprocessing.ImageSize} but vision.image_size is {vision.ImageSize}; images are resized to the encoder's size"));
        }

        if (preprocessing.Mean is not { Count: 3 } mean || mean.Any(value => !float.IsFinite(value)))
        {
            problems.Add("preprocessing.mean must hold three finite numbers");
        }

        if (preprocessing.Std is not { Count: 3 } std || std.Any(value => !float.IsFinite(value) || value <= 0))
        {
            problems.Add("preprocessing.std must hold three finite positive numbers");
        }

        Positive(problems, "preprocessing.rescale_factor", preprocessing.RescaleFactor);
    }

    /// <summary>The generation defaults a caption without settings of its own runs with (the runtime's own rules).</summary>
    private static void CheckGeneration(GenerationDefaults generation, int maxPositions, List<string> problems)
    {
        InRange(problems, "generation.max_length", generation.MaxLength, 2, maxPositions);
        InRange(problems, "generation.min_length", generation.MinLength, 0, Math.Max(0, Math.Min(generation.MaxLength, maxPositions)));
        InRange(problems, "generation.num_beams", generation.NumBeams, 1, ModelLimits.MaxBeams);
        InRange(problems, "generation.no_repeat_ngram_size", generation.NoRepeatNgramSize, 0, maxPositions);
        if (!double.IsFinite(generation.LengthPenalty))
        {
            problems.Add("generation.length_penalty must be a finite number");
        }

        Positive(problems, "generation.repetition_penalty", generation.RepetitionPenalty);
    }

    private static void InRange(List<string> problems, string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            problems.Add(Invariant($"{field} is {value}; it must be between {min} and {max}"));
        }
    }

    private static void Positive(List<string> problems, string field, double value)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            problems.Add(Invariant($"{field} is {value}; it must be a finite positive number"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
