using System.Text.RegularExpressions;
using BlipCaptioning;
using BlipCaptioning.Model;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Configuration;

/// <summary>Checks the app's settings at start-up, with messages that name the app setting to fix.</summary>
/// <param name="captioning">The library's settings, for the model folder that must hold a model when no blob folder provides one.</param>
public sealed partial class CaptionPipelineOptionsValidator(IOptions<CaptioningOptions> captioning) : IValidateOptions<CaptionPipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, CaptionPipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (!TableName().IsMatch(options.CaptionsTable ?? string.Empty))
        {
            errors.Add($"Captioning__CaptionsTable '{options.CaptionsTable}' is not a table name: 3-63 letters or digits, starting with a letter.");
        }

        // The library checks the folder's name (Captioning__ModelDirectory); the app checks that it holds a model unless
        // ModelBlobUri will copy one there.
        if (options.ModelBlobUri is null && ModelDirectory() is { } directory && !File.Exists(Path.Combine(directory, BlipModelContract.ManifestFileName)))
        {
            errors.Add(ModelDirectoryAdvice.Explain(directory, Environment.CurrentDirectory));
        }

        if (options.ModelBlobUri is { } uri && (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)))
        {
            errors.Add($"Captioning__ModelBlobUri '{uri}' must be an absolute http(s) URL of a blob folder, e.g. https://<account>.blob.core.windows.net/models/blip-image-captioning-base/.");
        }

        if (options.MaxAttempts is < 1 or > 100)
        {
            errors.Add($"Captioning__MaxAttempts is {options.MaxAttempts}; use 1 to 100, equal to host.json extensions.blobs.poisonBlobThreshold (5).");
        }

        if (options.LeaseDuration <= TimeSpan.Zero)
        {
            errors.Add($"Captioning__LeaseDuration is {options.LeaseDuration}; use a positive time span such as 00:05:00.");
        }

        if (options.LeaseWait < TimeSpan.Zero)
        {
            errors.Add($"Captioning__LeaseWait is {options.LeaseWait}; use zero or a positive time span such as 00:02:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The captioning library's model folder, or null when the library's own validation refuses its settings (it reports them).</summary>
    private string? ModelDirectory()
    {
        try
        {
            return captioning.Value.ModelDirectory;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableName();
}
