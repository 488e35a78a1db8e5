namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// Where the model lives when no <c>--model</c> is given: <c>$BLIP_MODEL</c>, else a per-user folder beside the
/// Hugging Face cache: <c>$XDG_CACHE_HOME/blip/models/blip-image-captioning-base</c> (<c>~/.cache/...</c> when
/// XDG_CACHE_HOME is unset) on Linux and macOS, <c>%LOCALAPPDATA%\blip\models\blip-image-captioning-base</c> on
/// Windows. <c>blip model fetch</c> builds into the same folder by default, so fetch-then-caption needs no flags.
/// </summary>
internal static class ModelLocation
{
    /// <summary>The environment variable naming the model folder (the CLI's own; the Functions app uses Captioning__ModelDirectory).</summary>
    public const string Variable = "BLIP_MODEL";

    public const string FolderName = "blip-image-captioning-base";

    /// <summary>How <c>--help</c> describes the default.</summary>
    public static string Description =>
        $"${Variable}, else {(OperatingSystem.IsWindows() ? @"%LOCALAPPDATA%\blip\models\" : "~/.cache/blip/models/")}{FolderName} (now: {Resolve()})";

    /// <summary>The folder used without <c>--model</c>.</summary>
    public static string Resolve() => FromVariable() ?? PerUserDirectory();

    /// <summary>The value of <c>BLIP_MODEL</c>, if set.</summary>
    public static string? FromVariable() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>The per-user model folder (whether or not it exists).</summary>
    public static string PerUserDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "blip", "models", FolderName);
        }

        string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "blip", "models", FolderName);
    }

    /// <summary>Quotes a path for a command line the user may copy (POSIX shells; double quotes on Windows).</summary>
    public static string Quote(string path)
    {
        if (path.Length > 0 && path.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '\\' or '.' or '-' or '_' or ':' or '~' or '+' or ','))
        {
            return path;
        }

        return OperatingSystem.IsWindows() ? $"\"{path}\"" : "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
