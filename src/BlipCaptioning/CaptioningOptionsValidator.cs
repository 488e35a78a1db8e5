using BlipCaptioning.Preprocessing;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning;

/// <summary>
/// Validates <see cref="CaptioningOptions"/> with messages that name the setting and say what to do.
/// It checks values only: whether the model folder holds a valid model is checked when the model loads.
/// </summary>
public sealed class CaptioningOptionsValidator : IValidateOptions<CaptioningOptions>
{
    private const string Section = CaptioningOptions.SectionName;

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, CaptioningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ModelDirectory))
        {
            failures.Add($"{Section}:ModelDirectory is not set. Build a model with `blip model random --preset tiny --out models/tiny` "
                + $"or `blip model fetch`, then set {Section}__ModelDirectory.");
        }
        else if (options.ModelDirectory.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"{Section}:ModelDirectory '{options.ModelDirectory}' contains characters that are not valid in a path.");
        }

        if (options.IntraOpThreads < 0)
        {
            failures.Add($"{Section}:IntraOpThreads is {options.IntraOpThreads}; use 0 (one per CPU) or a positive thread count.");
        }

        if (options.InterOpThreads < 0)
        {
            failures.Add($"{Section}:InterOpThreads is {options.InterOpThreads}; use 0 (one per CPU) or a positive thread count.");
        }

        if (!Enum.IsDefined(options.GraphOptimizationLevel))
        {
            failures.Add($"{Section}:GraphOptimizationLevel is {(int)options.GraphOptimizationLevel}; use one of {string.Join(", ", Enum.GetNames<GraphOptimizationLevel>())}.");
        }

        if (options.MaxConcurrency is < 1 or > CaptioningOptions.MaxConcurrencyLimit)
        {
            failures.Add($"{Section}:MaxConcurrency is {options.MaxConcurrency}; it must be at least 1 and at most {CaptioningOptions.MaxConcurrencyLimit} "
                + "(captions computed at once; each already uses every core, so 1 suits a 2-vCPU host).");
        }

        if (options.MaxImageBytes < 1 || options.MaxImageBytes > Array.MaxLength)
        {
            failures.Add($"{Section}:MaxImageBytes is {options.MaxImageBytes}; it must be a positive number of bytes up to {Array.MaxLength} (default 52428800 = 50 MiB).");
        }

        if (options.MaxImagePixels < 1 || options.MaxImagePixels > ImageLoadingOptions.UpperPixelLimit)
        {
            failures.Add($"{Section}:MaxImagePixels is {options.MaxImagePixels}; it must be a positive number of pixels up to {ImageLoadingOptions.UpperPixelLimit} (default 40000000).");
        }

        if (options.ImageDecodeTimeout <= TimeSpan.Zero || options.ImageDecodeTimeout > ImageLoadingOptions.UpperDecodeTimeout)
        {
            failures.Add($"{Section}:ImageDecodeTimeout is {options.ImageDecodeTimeout}; use a time span over zero and at most {ImageLoadingOptions.UpperDecodeTimeout} (default 00:00:20).");
        }

        if (options.NumBeams is < 1 or > Search.GenerationSettings.MaxBeams)
        {
            failures.Add($"{Section}:NumBeams is {options.NumBeams}; use 1 for greedy decoding or more for beam search, at most {Search.GenerationSettings.MaxBeams} (unset: the model's default).");
        }

        if (options.MaxLength is < 2)
        {
            failures.Add($"{Section}:MaxLength is {options.MaxLength}; it counts [DEC] and the prompt, so it must be at least 2 (unset: the model's default, 20).");
        }

        if (options.MinLength is < 0 || (options.MinLength is { } min && options.MaxLength is { } max && min > max))
        {
            failures.Add($"{Section}:MinLength is {options.MinLength}; it must be between 0 and MaxLength ({options.MaxLength}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
