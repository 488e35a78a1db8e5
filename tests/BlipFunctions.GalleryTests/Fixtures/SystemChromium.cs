namespace BlipFunctions.GalleryTests.Fixtures;

/// <summary>
/// The Chromium the gallery tests drive: $BLIP_CHROMIUM, else the first of chromium, chromium-browser,
/// google-chrome on PATH. Playwright's own browser download is not used (its CDN is out of reach on our machines);
/// scripts/test.sh installs Debian's chromium when it is missing.
/// </summary>
public static class SystemChromium
{
    public const string Variable = "BLIP_CHROMIUM";

    public static string Path { get; } = Find();

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            return File.Exists(given)
                ? given
                : throw new InvalidOperationException($"{Variable} is '{given}', which does not exist: point it at a Chromium or Chrome executable.");
        }

        string[] folders = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (string name in new[] { "chromium", "chromium-browser", "google-chrome" })
        {
            foreach (string folder in folders)
            {
                string candidate = System.IO.Path.Combine(folder, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException(
            "No Chromium found for the gallery's browser tests. Install Debian's: `apt-get install -y chromium` " +
            $"(./scripts/test.sh does it when run as root), or set {Variable} to a Chromium or Chrome executable.");
    }
}
