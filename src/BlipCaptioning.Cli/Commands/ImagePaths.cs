using Microsoft.Extensions.FileSystemGlobbing;

namespace BlipCaptioning.Cli.Commands;

/// <summary>Expands the paths given to <c>blip caption</c>: files as they are, folders recursively (image files only), globs.</summary>
internal static class ImagePaths
{
    /// <summary>Extensions picked up when a folder is given (a file named explicitly is tried whatever its name).</summary>
    public static readonly IReadOnlySet<string> ImageExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff",
    };

    /// <summary>The files to caption, in argument order (folder and glob matches sorted), and the arguments that matched nothing.</summary>
    public static (IReadOnlyList<string> Files, IReadOnlyList<string> Unmatched) Expand(IEnumerable<string> arguments)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unmatched = new List<string>();
        foreach (string argument in arguments)
        {
            var matches = Match(argument);
            if (matches.Count == 0)
            {
                unmatched.Add(argument);
            }

            foreach (string file in matches)
            {
                if (seen.Add(Path.GetFullPath(file)))
                {
                    files.Add(file);
                }
            }
        }

        return (files, unmatched);
    }

    private static List<string> Match(string argument)
    {
        if (File.Exists(argument))
        {
            return [argument];
        }

        if (Directory.Exists(argument))
        {
            return Directory.EnumerateFiles(argument, "*", SearchOption.AllDirectories)
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f)))
                .Order(StringComparer.Ordinal)
                .ToList();
        }

        if (argument.AsSpan().IndexOfAny('*', '?') < 0)
        {
            return [];
        }

        // Split "photos/2024/**/*.jpg" into the folder before the first wildcard segment and the pattern after it.
        string normalized = argument.Replace('\\', '/');
        string[] segments = normalized.Split('/');
        int firstWild = Array.FindIndex(segments, s => s.AsSpan().IndexOfAny('*', '?') >= 0);
        string root = firstWild == 0 ? "." : string.Join('/', segments[..firstWild]);
        if (root.Length == 0)
        {
            root = "/";
        }

        string pattern = string.Join('/', segments[firstWild..]);
        if (!Directory.Exists(root))
        {
            return [];
        }

        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(pattern);
        return matcher.GetResultsInFullPath(root)
            .Select(full => firstWild == 0 && !Path.IsPathRooted(argument) ? Path.GetRelativePath(Directory.GetCurrentDirectory(), full) : Path.Combine(root, Path.GetRelativePath(Path.GetFullPath(root), full)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
