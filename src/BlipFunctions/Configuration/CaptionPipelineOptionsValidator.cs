using System.Text.RegularExpressions;
using BlipCaptioning.Model;
using BlipFunctions.Functions;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Configuration;

/// <summary>Checks the settings at start-up, with messages that name the app setting to fix.</summary>
public sealed partial class CaptionPipelineOptionsValidator : IValidateOptions<CaptionPipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, CaptionPipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (!ContainerName().IsMatch(options.ImagesContainer ?? string.Empty))
        {
            errors.Add($"Captioning__ImagesContainer '{options.ImagesContainer}' is not a container name: 3-63 lowercase letters, digits and single hyphens, starting with a letter or digit.");
        }
        else if (options.ImagesContainer != CaptionBlobFunction.Container)
        {
            errors.Add($"Captioning__ImagesContainer is '{options.ImagesContainer}' but the CaptionBlob trigger listens on '{CaptionBlobFunction.Container}/{{name}}' (compiled into functions.metadata); use '{CaptionBlobFunction.Container}' or change CaptionBlobFunction.Container and rebuild.");
        }

        if (!TableName().IsMatch(options.CaptionsTable ?? string.Empty))
        {
            errors.Add($"Captioning__CaptionsTable '{options.CaptionsTable}' is not a table name: 3-63 letters or digits, starting with a letter.");
        }

        if (string.IsNullOrWhiteSpace(options.ModelDirectory))
        {
            errors.Add("Captioning__ModelDirectory is empty: set it to the folder holding blip-model.json (make one with `blip model fetch`).");
        }
        else if (options.ModelBlobUri is null && !File.Exists(Path.Combine(options.ModelDirectory, BlipModelContract.ManifestFileName)))
        {
            errors.Add(ModelDirectoryAdvice.Explain(options.ModelDirectory, Environment.CurrentDirectory));
        }

        if (options.ModelBlobUri is { } uri && (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)))
        {
            errors.Add($"Captioning__ModelBlobUri '{uri}' must be an absolute http(s) URL of a blob folder, e.g. https://<account>.blob.core.windows.net/models/blip-image-captioning-base/.");
        }

        if (options.MaxConcurrency is < 1 or > 64)
        {
            errors.Add($"Captioning__MaxConcurrency is {options.MaxConcurrency}; use 1 to 64 (captions at once per worker; 1 suits a 2-vCPU Flex instance).");
        }

        if (options.MaxImageBytes is < 1 or > int.MaxValue)
        {
            errors.Add($"Captioning__MaxImageBytes is {options.MaxImageBytes}; use a positive number of bytes under 2 GiB (default 52428800).");
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

    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex ContainerName();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableName();
}
