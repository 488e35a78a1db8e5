using BlipCaptioning.Cli.Commands;

namespace BlipCaptioning.Cli.Inputs;

/// <summary>
/// Turns the arguments of <c>blip caption</c> into inputs, in order: <c>-</c> is the image on standard input,
/// <c>http(s)://</c> a download, anything else a file, folder or glob (<see cref="ImagePaths"/>). An argument that
/// names nothing becomes a failed input in its place, so that every argument has its record in the output.
/// </summary>
internal static class CaptionInputs
{
    public static List<CaptionInput> Collect(IReadOnlyList<string> arguments, CaptioningOptions options, ImageDownloader downloader, WalkNotes notes)
    {
        var inputs = new List<CaptionInput>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string argument in arguments)
        {
            if (argument == StandardInput.Dash)
            {
                if (seen.Add(StandardInput.Dash))
                {
                    inputs.Add(StandardInput.Image(options.MaxImageBytes));
                }

                continue;
            }

            if (ImageDownloader.IsUrl(argument, out var uri))
            {
                if (seen.Add(argument))
                {
                    inputs.Add(downloader.Input(argument, uri!));
                }

                continue;
            }

            var (files, unmatched) = ImagePaths.Expand([argument], options.EnableTiff, notes);
            foreach (string file in files)
            {
                if (seen.Add(Path.GetFullPath(file)))
                {
                    inputs.Add(new FileInput(file));
                }
            }

            if (unmatched.Count > 0)
            {
                inputs.Add(new FailedInput(argument, FailureKind.NotFound, "No such file, folder or matching glob."));
            }
        }

        return inputs;
    }

    /// <summary>The paths listed in <paramref name="listFile"/> (<c>-</c>: standard input), one per line, blank lines skipped.</summary>
    /// <exception cref="UsageException">The list cannot be read, or a line is absurdly long.</exception>
    public static async Task<List<string>> ReadListAsync(string listFile, CancellationToken cancellationToken)
    {
        const int MaxLine = 32 * 1024;
        try
        {
            await using Stream stream = listFile == StandardInput.Dash ? Console.OpenStandardInput() : File.OpenRead(listFile);
            using var reader = new StreamReader(stream);
            var lines = new List<string>();
            var line = new System.Text.StringBuilder();
            char[] buffer = new char[4096];
            int read;
            while ((read = await reader.ReadAsync(buffer, cancellationToken).AsTask().WaitAsync(cancellationToken)) > 0)
            {
                foreach (char c in buffer.AsSpan(0, read))
                {
                    if (c == '\n')
                    {
                        Add(lines, line);
                    }
                    else if (line.Length >= MaxLine)
                    {
                        throw new UsageException($"--files-from {listFile}: line {lines.Count + 1} is longer than {MaxLine:N0} characters; is it a list of paths, one per line?");
                    }
                    else
                    {
                        line.Append(c);
                    }
                }
            }

            Add(lines, line);
            return lines;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--files-from {listFile}: {ex.Message}");
        }

        static void Add(List<string> lines, System.Text.StringBuilder line)
        {
            string text = line.ToString().TrimEnd('\r');
            line.Clear();
            if (!string.IsNullOrWhiteSpace(text))
            {
                lines.Add(text);
            }
        }
    }
}
