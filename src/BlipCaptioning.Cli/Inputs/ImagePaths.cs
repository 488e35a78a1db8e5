using System.Globalization;
using Microsoft.Extensions.FileSystemGlobbing;

namespace BlipCaptioning.Cli.Inputs;

/// <summary>
/// Expands the paths given to <c>blip caption</c> and <c>blip bench --images</c>: a file as it is, a folder
/// recursively (image files only), a glob. The walk does not follow links to folders, never opens a FIFO, socket or
/// device it finds (a path named on the command line is read whatever it is), and says what it skipped in
/// <see cref="WalkNotes"/>.
/// </summary>
internal static class ImagePaths
{
    /// <summary>Extensions picked up when a folder is given (a file named explicitly is tried whatever its name).</summary>
    public static readonly IReadOnlySet<string> ImageExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp",
    };

    /// <summary>Picked up from folders only when TIFF is enabled (<c>--tiff</c>).</summary>
    public static readonly IReadOnlySet<string> TiffExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".tif", ".tiff" };

    /// <summary>The files to caption, in argument order (folder and glob matches sorted), and the arguments that matched nothing.</summary>
    public static (IReadOnlyList<string> Files, IReadOnlyList<string> Unmatched) Expand(IEnumerable<string> arguments, bool includeTiff, WalkNotes notes)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unmatched = new List<string>();
        foreach (string argument in arguments)
        {
            var matches = Match(argument, includeTiff, notes);
            if (matches is null)
            {
                unmatched.Add(argument);
                continue;
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

    /// <summary>The files an argument stands for; null when it names nothing (an empty folder or glob gives an empty list).</summary>
    private static List<string>? Match(string argument, bool includeTiff, WalkNotes notes)
    {
        switch (FileKinds.Of(argument))
        {
            case FileKind.Regular or FileKind.Special:
                return [argument];
            case FileKind.Directory:
                return WalkFolder(argument, includeTiff, notes);
        }

        if (argument.AsSpan().IndexOfAny('*', '?') < 0)
        {
            return null;
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

        if (!Directory.Exists(root))
        {
            return null;
        }

        string pattern = string.Join('/', segments[firstWild..]);
        var found = Find(root, pattern, notes, noteLinkedFolders: false)
            .Select(relative => firstWild == 0 && !Path.IsPathRooted(argument) ? relative : Path.Combine(root, relative))
            .ToList();
        return found.Count > 0 ? found : null;
    }

    private static List<string> WalkFolder(string folder, bool includeTiff, WalkNotes notes)
    {
        var files = new List<string>();
        int skippedTiff = 0;
        foreach (string file in Find(folder, "**/*", notes, noteLinkedFolders: true, accept: name => ImageExtensions.Contains(Path.GetExtension(name)) || TiffExtensions.Contains(Path.GetExtension(name))))
        {
            if (!includeTiff && TiffExtensions.Contains(Path.GetExtension(file)))
            {
                skippedTiff++;
                continue;
            }

            files.Add(Path.Combine(folder, file));
        }

        if (skippedTiff > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"{folder}: {skippedTiff} TIFF file{(skippedTiff == 1 ? "" : "s")} skipped; TIFF is off by default, add --tiff to caption {(skippedTiff == 1 ? "it" : "them")}."));
        }

        return files;
    }

    /// <summary>Regular files under <paramref name="root"/> matching <paramref name="pattern"/>, relative to it, sorted.</summary>
    private static IEnumerable<string> Find(string root, string pattern, WalkNotes notes, bool noteLinkedFolders, Func<string, bool>? accept = null)
    {
        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(pattern);
        bool saved = notes.NoteLinkedFolders;
        notes.NoteLinkedFolders = noteLinkedFolders;
        List<string> relative;
        try
        {
            relative = [.. matcher.Execute(new NoLinkDirectory(new DirectoryInfo(root), root, notes)).Files
                .Select(match => match.Path.Replace('/', Path.DirectorySeparatorChar))
                .Where(path => accept?.Invoke(path) ?? true)
                .Order(StringComparer.Ordinal)];
        }
        finally
        {
            notes.NoteLinkedFolders = saved;
        }

        foreach (string path in relative)
        {
            string full = Path.Combine(root, path);
            switch (FileKinds.Of(full))
            {
                case FileKind.Regular:
                    yield return path;
                    break;
                case FileKind.Missing:
                    notes.BrokenLink(full);
                    break;
                default:
                    notes.SpecialFile(full);
                    break;
            }
        }
    }
}
