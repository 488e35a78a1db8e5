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
                failed += await CaptionAndWriteAsync(captioner, batch, request, output, progress, cancellationToken);
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

    /// <summary>Captions one batch and writes its results in input order; returns how many of its inputs failed.</summary>
    private static async Task<int> CaptionAndWriteAsync(ImageCaptioner captioner, List<CaptionInput> batch, CaptionRequest request, CaptionOutput output, CaptionProgress progress, CancellationToken cancellationToken)
    {
        var results = await CaptionAsync(captioner, batch, request, cancellationToken);
        foreach (var result in results)
        {
            if (result.Caption is { } caption)
            {
                await output.CaptionAsync(result.Input.Name, caption, result.Elapsed, result.BatchSize);
            }
            else
            {
                await output.FailureAsync(result.Input.Name, result.Kind, result.Message!, progress);
            }
        }

        return results.Count(r => r.Caption is null);
    }

    /// <summary>One result per input of the batch, in its order.</summary>
    private static async Task<List<InputResult>> CaptionAsync(ImageCaptioner captioner, List<CaptionInput> batch, CaptionRequest request, CancellationToken cancellationToken)
    {
        var results = new InputResult?[batch.Count];
        var ready = new List<(int Index, Stream Stream)>(batch.Count);
        try
        {
            for (int i = 0; i < batch.Count; i++)
            {
                try
                {
                    ready.Add((i, await batch[i].OpenAsync(cancellationToken)));
                }
                catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
                {
                    results[i] = await FailedAsync(batch[i], ex, request.Options, cancellationToken);
                }
            }

            if (ready.Count > 0)
            {
                long started = Stopwatch.GetTimestamp();
                try
                {
                    var captions = await captioner.CaptionBatchAsync([.. ready.Select(r => r.Stream)], request.Settings, cancellationToken);
                    var elapsed = Stopwatch.GetElapsedTime(started);
                    for (int k = 0; k < ready.Count; k++)
                    {
                        results[ready[k].Index] = new InputResult(batch[ready[k].Index], captions[k], elapsed, ready.Count);
                    }
                }
                catch (ArgumentException ex) when (GenerationOptionNames.Names(ex) is not null)
                {
                    throw new UsageException(GenerationOptionNames.ForCommandLine(ex));
                }
                catch (Exception ex) when (IsInputFailure(ex, cancellationToken) && ready.Count == 1)
                {
                    results[ready[0].Index] = await FailedAsync(batch[ready[0].Index], ex, request.Options, cancellationToken);
                }
                catch (Exception ex) when (IsInputFailure(ex, cancellationToken))
                {
                    // One bad image fails the whole batch call: caption each again on its own, so each gets its own result.
                    foreach (var (index, stream) in ready)
                    {
                        await stream.DisposeAsync();
                        results[index] = (await CaptionAsync(captioner, [batch[index]], request, cancellationToken))[0];
                    }
                }
            }

            return [.. results.Select(r => r!)];
        }
        finally
        {
            foreach (var (_, stream) in ready)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private static async Task<InputResult> FailedAsync(CaptionInput input, Exception ex, CaptioningOptions options, CancellationToken cancellationToken)
    {
        var (kind, message) = await FailureOfAsync(input, ex, options, cancellationToken);
        return new InputResult(input, null, TimeSpan.Zero, 0, kind, message);
    }

    private static bool IsCancellation(Exception ex, CancellationToken cancellationToken) =>
        ex is OperationCanceledException && cancellationToken.IsCancellationRequested;

    /// <summary>
    /// Whether a caption call's exception is the input's to record. A <see cref="ModelContractException"/> is the
    /// model's fault (NaN weights giving a non-finite score), the same for every input: it ends the run (exit code 3).
    /// </summary>
    private static bool IsInputFailure(Exception ex, CancellationToken cancellationToken) =>
        !IsCancellation(ex, cancellationToken) && ex is not ModelContractException;

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

    /// <summary>What became of one input: its caption, or why it has none.</summary>
    private sealed record InputResult(CaptionInput Input, Caption? Caption, TimeSpan Elapsed, int BatchSize, FailureKind Kind = FailureKind.InternalError, string? Message = null);
}
