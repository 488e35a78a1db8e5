using BlipCaptioning.Model;

namespace BlipFunctions.Configuration;

/// <summary>
/// What to tell a user whose <c>Captioning__ModelDirectory</c> holds no model. The Functions host starts the worker
/// in the app's build output folder, so a relative path resolves there, not where the user wrote it; the message says
/// so and names an absolute path to use: the first folder above the working directory where the path holds a model,
/// or else where its parent exists (e.g. the repository's <c>models/</c>).
/// </summary>
public static class ModelDirectoryAdvice
{
    /// <summary>How local.settings.sample.json marks the part of the path each user must fill in.</summary>
    public const string Placeholder = "<absolute path>";

    /// <summary>The message for a <paramref name="configured"/> folder without a manifest, seen from <paramref name="workingDirectory"/>.</summary>
    public static string Explain(string configured, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(configured);
        string manifest = BlipModelContract.ManifestFileName;
        const string OrBlob = "or set Captioning__ModelBlobUri to copy the model from a blob folder on first use.";
        if (configured.StartsWith(Placeholder, StringComparison.Ordinal))
        {
            string tail = configured[Placeholder.Length..].TrimStart('/', '\\');
            return $"Captioning__ModelDirectory is '{configured}', the placeholder of local.settings.sample.json: replace '{Placeholder}' " +
                   $"so that it is the absolute path of the folder holding {manifest}{Example(tail, workingDirectory)} " +
                   $"(scripts/run-local.sh writes local.settings.json with it), {OrBlob}";
        }

        if (!Path.IsPathFullyQualified(configured))
        {
            string resolved = Path.GetFullPath(configured, workingDirectory);
            return $"Captioning__ModelDirectory '{configured}' is relative, so the worker resolves it from its working directory " +
                   $"'{workingDirectory}' (the Functions host starts the worker in the app's build output folder) to '{resolved}', " +
                   $"which holds no {manifest}. Set it to an absolute path{Example(configured, workingDirectory)}, {OrBlob}";
        }

        return $"Captioning__ModelDirectory '{configured}' holds no {manifest}: build the model there with `blip model fetch --out {configured}` " +
               $"(or `blip model random --preset tiny --out {configured}` to try the pipeline), {OrBlob}";
    }

    private static string Example(string relative, string workingDirectory)
    {
        string? withModel = null;
        string? withParent = null;
        for (var folder = new DirectoryInfo(workingDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.GetFullPath(relative, folder.FullName);
            if (File.Exists(Path.Combine(candidate, BlipModelContract.ManifestFileName)))
            {
                withModel = candidate;
                break;
            }

            if (withParent is null && Path.GetDirectoryName(candidate) is { } parent && Directory.Exists(parent) && !IsUnder(candidate, workingDirectory))
            {
                withParent = candidate;
            }
        }

        return withModel is not null
            ? $", e.g. '{withModel}' (it holds a model)"
            : withParent is not null
                ? $", e.g. '{withParent}' (build the model there with `blip model fetch --out {withParent}`)"
                : $" (build a model with `blip model fetch --out <absolute path>`)";
    }

    private static bool IsUnder(string path, string folder) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
