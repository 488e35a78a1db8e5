using System.CommandLine;
using BlipCaptioning.Search;

namespace BlipCaptioning.Cli.Commands;

/// <summary><c>blip caption PATH...</c>: captions image files, folders, globs, URLs and standard input with a model folder.</summary>
internal static class CaptionCommand
{
    public const int DefaultDownloadTimeoutSeconds = 60;

    public static Command Create()
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Images: files, folders (searched recursively for .jpg .jpeg .png .gif .bmp .webp, and .tif .tiff with --tiff; links to folders are not followed), "
                + "globs such as 'photos/**/*.jpg', http:// or https:// URLs (downloaded), or - for one image on standard input.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var model = new Option<string?>("--model", "-m")
        {
            Description = $"The model folder (made by `blip model fetch`, `blip model build` or `blip model random`). Default: {ModelLocation.Description}.",
        };
        var prompt = new Option<string?>("--prompt") { Description = "Text the caption starts with (conditional captioning), e.g. \"a picture of\"." };
        var beams = NumberOptions.Integer("--beams", $"Beam search with N beams (transformers' num_beams; 1 = greedy, the default; at most {GenerationSettings.MaxBeams}).", 1, GenerationSettings.MaxBeams, "--num-beams");
        var maxTokens = NumberOptions.Integer("--max-tokens", "At most N generated tokens after [DEC] and the prompt (transformers' max_new_tokens; overrides --max-length).", 1, 4096, "--max-new-tokens");
        var maxLength = NumberOptions.Integer("--max-length", "Maximum sequence length counting [DEC] and the prompt (transformers' max_length; default 20).", 2, 4096);
        var minLength = NumberOptions.Integer("--min-length", "Minimum sequence length counting [DEC] and the prompt (transformers' min_length); [SEP] is blocked until it is reached.", 0, 4096);
        var repetitionPenalty = NumberOptions.Real("--repetition-penalty", "transformers' repetition_penalty (1 = off, the default; above 1 discourages repeated tokens).", 0, 100);
        var noRepeatNgram = NumberOptions.Integer("--no-repeat-ngram-size", "transformers' no_repeat_ngram_size: no n-gram of this size occurs twice (0 = off, the default).", 0, 64);
        var preset = new Option<string>("--preset")
        {
            Description = "default: transformers' defaults (greedy, max length 20). paper: the BLIP paper's setting (prompt \"a picture of \", 3 beams, min length 5, prompt stripped). The other options override the preset.",
            DefaultValueFactory = _ => "default",
        };
        preset.AcceptOnlyFromAmong("default", "paper");
        var json = new Option<bool>("--json")
        {
            Description = "Write one JSON object per input on stdout: {path, caption, token_ids, score, image, timings_ms, steps} for a caption, "
                + "{path, error: {kind, message}} for a failure (kinds: not_found, unreadable, unsupported_image, download_failed, internal_error).",
        };
        var batchSize = NumberOptions.Integer("--batch-size", "Caption N images per model call (the library's CaptionBatchAsync; default 1). A batch with a bad image is captioned again one by one, so every image gets its own result.", 1, 64);
        var tiff = new Option<bool>("--tiff") { Description = "Accept TIFF images (off by default: TIFF decoding is a large attack surface). Also makes folder searches pick up .tif and .tiff files." };
        var filesFrom = new Option<string?>("--files-from")
        {
            Description = "Read more inputs from FILE, one per line (paths, folders, globs or URLs; blank lines ignored); - reads the list from standard input, e.g. find photos -name '*.jpg' | blip caption --files-from -.",
        };
        var maxImageBytes = NumberOptions.Integer("--max-image-bytes", "Refuse images (files, standard input, downloads) larger than N bytes (default 52428800, 50 MiB).", 1, int.MaxValue);
        var downloadTimeout = NumberOptions.Integer("--download-timeout", $"Give up on a URL that has not arrived whole within N seconds (default {DefaultDownloadTimeoutSeconds}).", 1, 3600);
        var threads = NumberOptions.Integer("--threads", "ONNX Runtime intra-op threads (default: one per CPU).", 1, 1024);

        var command = new Command("caption", "Caption images. Prints path<TAB>caption per image on stdout; inputs that fail are reported on stderr (blip: PATH: reason) and the rest go on. "
            + ExitCodes.Summary)
        {
            paths, model, prompt, beams, maxTokens, maxLength, minLength, repetitionPenalty, noRepeatNgram, preset, json, batchSize, tiff, filesFrom, maxImageBytes, downloadTimeout, threads,
        };
        command.SetAction((parse, cancellationToken) => UserErrors.RunAsync(async () =>
        {
            var settings = parse.GetValue(preset) == "paper" ? CaptionSettings.Paper : CaptionSettings.Default;
            settings = settings with
            {
                Prompt = parse.GetValue(prompt) ?? settings.Prompt,
                NumBeams = parse.GetValue(beams) ?? settings.NumBeams,
                MaxNewTokens = parse.GetValue(maxTokens) ?? settings.MaxNewTokens,
                MaxLength = parse.GetValue(maxLength) ?? settings.MaxLength,
                MinLength = parse.GetValue(minLength) ?? settings.MinLength,
                RepetitionPenalty = parse.GetValue(repetitionPenalty) ?? settings.RepetitionPenalty,
                NoRepeatNgramSize = parse.GetValue(noRepeatNgram) ?? settings.NoRepeatNgramSize,
            };

            var (modelDirectory, source) = parse.GetValue(model) is { Length: > 0 } given
                ? (given, ModelFolderSource.Option)
                : ModelLocation.FromVariable() is { } fromVariable ? (fromVariable, ModelFolderSource.Variable) : (ModelLocation.PerUserDirectory(), ModelFolderSource.Default);
            var options = new CaptioningOptions
            {
                ModelDirectory = modelDirectory,
                IntraOpThreads = parse.GetValue(threads) ?? 0,
                EnableTiff = parse.GetValue(tiff),
            };
            if (parse.GetValue(maxImageBytes) is { } limit)
            {
                options.MaxImageBytes = limit;
            }

            var request = new CaptionRequest(
                parse.GetValue(paths) ?? [],
                parse.GetValue(filesFrom),
                options,
                source,
                settings,
                parse.GetValue(json),
                parse.GetValue(batchSize) ?? 1,
                TimeSpan.FromSeconds(parse.GetValue(downloadTimeout) ?? DefaultDownloadTimeoutSeconds));
            return await CaptionRun.RunAsync(request, cancellationToken);
        }));
        return command;
    }
}
