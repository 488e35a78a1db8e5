using System.Diagnostics;
using BlipCaptioning.Cli.Inputs;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// Runs <c>blip caption</c>: collects the inputs, checks and loads the model once, captions the inputs in batches
/// and gives every input exactly one result. Whatever goes wrong with one input (a damaged image, a failed download,
/// even a bug) becomes that input's failure and the rest go on; only Ctrl+C, a bad model or bad settings stop the run.
/// </summary>
internal static class CaptionRun
{
    public static async Task<int> RunAsync(CaptionRequest request, CancellationToken cancellationToken)
    {
        var arguments = new List<string>(request.Arguments);
        if (request.FilesFrom is { } listFile)
        {
            if (listFile == StandardInput.Dash && arguments.Contains(StandardInput.Dash))
            {
                throw new UsageException("standard input can be read once: give either - (an image on standard input) or --files-from - (a list of paths), not both.");
            }

            arguments.AddRange(await CaptionInputs.ReadListAsync(listFile, cancellationToken));
        }

        if (arguments.Count == 0)
        {
            throw new UsageException("nothing to caption: give image files, folders, globs, URLs, or - for an image on standard input (blip caption --help).");
        }

        using var downloader = new ImageDownloader(request.DownloadTimeout, request.Options.MaxImageBytes);
        var notes = new WalkNotes();
        var inputs = CaptionInputs.Collect(arguments, request.Options, downloader, notes);
        foreach (string note in notes.All)
        {
            await Console.Error.WriteLineAsync($"blip: note: {note}");
        }

        var output = new CaptionOutput(request.Json);
        int failed = 0;
        if (inputs.All(input => input is FailedInput))
        {
            foreach (var input in inputs.Cast<FailedInput>())
            {
                await output.FailureAsync(input.Name, input.Kind, input.Message, CaptionProgress.None);
            }

            if (inputs.Count == 0)
            {
                await Console.Error.WriteLineAsync("blip: no images to caption (see the notes above).");
            }

            return ExitCodes.Failed;
        }

        using var captioner = await LoadModelAsync(request, cancellationToken);
        await CaptionProgress.RunAsync(inputs.Count, async progress =>
        {
            for (int start = 0; start < inputs.Count; start += request.BatchSize)
            {
                var batch = inputs.GetRange(start, Math.Min(request.BatchSize, inputs.Count - start));
                progress.Working(batch[0].Name);
                failed += await CaptionAsync(captioner, batch, request, output, progress, cancellationToken);
                progress.Advance(batch.Count);
            }
        });

        return failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }

    private static async Task<ImageCaptioner> LoadModelAsync(CaptionRequest request, CancellationToken cancellationToken)
    {
        ModelFolder.EnsureLooksUsable(request.Options.ModelDirectory!, request.ModelSource);
        var captioner = new ImageCaptioner(request.Options);
        try
        {
            await captioner.DescribeModelAsync(cancellationToken);
            return captioner;
        }
        catch (CaptioningException ex)
        {
            captioner.Dispose();
            throw new ModelUnavailableException(ex.Message, ex);
        }
        catch
        {
            captioner.Dispose();
            throw;
        }
    }

    /// <summary>Captions one batch; returns how many of its inputs failed.</summary>
    private static async Task<int> CaptionAsync(ImageCaptioner captioner, List<CaptionInput> batch, CaptionRequest request, CaptionOutput output, CaptionProgress progress, CancellationToken cancellationToken)
    {
        int failed = 0;
        var ready = new List<(CaptionInput Input, Stream Stream)>(batch.Count);
        try
        {
            foreach (var input in batch)
            {
                try
                {
                    ready.Add((input, await input.OpenAsync(cancellationToken)));
                }
                catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
                {
                    await ReportAsync(input, await FailureOfAsync(input, ex, request.Options, cancellationToken), output, progress);
                    failed++;
                }
            }

            if (ready.Count == 0)
            {
                return failed;
            }

            long started = Stopwatch.GetTimestamp();
            IReadOnlyList<Caption> captions;
            try
            {
                captions = await captioner.CaptionBatchAsync([.. ready.Select(r => r.Stream)], request.Settings, cancellationToken);
            }
            catch (ArgumentException ex) when (GenerationOptionNames.Names(ex) is not null)
            {
                throw new UsageException(GenerationOptionNames.ForCommandLine(ex));
            }
            catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
            {
                if (ready.Count == 1)
                {
                    await ReportAsync(ready[0].Input, await FailureOfAsync(ready[0].Input, ex, request.Options, cancellationToken), output, progress);
                    return failed + 1;
                }

                // One bad image fails the whole batch call: caption each again on its own, so each gets its own result.
                foreach (var (input, stream) in ready)
                {
                    await stream.DisposeAsync();
                    failed += await CaptionAsync(captioner, [input], request, output, progress, cancellationToken);
                }

                ready.Clear();
                return failed;
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            for (int i = 0; i < ready.Count; i++)
            {
                await output.CaptionAsync(ready[i].Input.Name, captions[i], elapsed, ready.Count);
            }

            return failed;
        }
        finally
        {
            foreach (var (_, stream) in ready)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private static bool IsCancellation(Exception ex, CancellationToken cancellationToken) =>
        ex is OperationCanceledException && cancellationToken.IsCancellationRequested;

    private static Task ReportAsync(CaptionInput input, (FailureKind Kind, string Message) failure, CaptionOutput output, CaptionProgress progress) =>
        output.FailureAsync(input.Name, failure.Kind, failure.Message, progress);

    /// <summary>Names what went wrong with one input, in words for the command line.</summary>
    private static async Task<(FailureKind, string)> FailureOfAsync(CaptionInput input, Exception ex, CaptioningOptions options, CancellationToken cancellationToken)
    {
        switch (ex)
        {
            case InputFailedException failed:
                return (failed.Kind, failed.Message);
            case UnsupportedImageException unsupported:
                if (!options.EnableTiff && TiffSignature.Matches(await input.ReadHeadAsync(4, cancellationToken)))
                {
                    return (FailureKind.UnsupportedImage, "This is a TIFF image, and TIFF is off by default; add --tiff to caption it.");
                }

                return (FailureKind.UnsupportedImage, ImageMessages.ForCommandLine(unsupported.Message));
            case FileNotFoundException or DirectoryNotFoundException:
                return (FailureKind.NotFound, ex.Message);
            case IOException or UnauthorizedAccessException:
                return (FailureKind.Unreadable, ex.Message);
            default:
                return (FailureKind.InternalError, $"Unexpected error ({ex.GetType().Name}) on this input, a bug in blip: please report it with the input. {ex.Message}");
        }
    }
}
