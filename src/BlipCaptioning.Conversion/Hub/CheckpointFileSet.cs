using BlipCaptioning.Conversion.Checkpoints;

namespace BlipCaptioning.Conversion.Hub;

/// <summary>
/// Which files of a repo make a usable checkpoint: files that must be there, files taken when listed, and groups of
/// alternatives of which the first one the repo lists is fetched and no other (the weights; the image processor
/// settings, which transformers 4 saves as preprocessor_config.json and transformers 5 as processor_config.json).
/// </summary>
public sealed class CheckpointFileSet
{
    public CheckpointFileSet(IEnumerable<string> required, IEnumerable<string> optional, IEnumerable<IReadOnlyList<string>> alternatives)
    {
        ArgumentNullException.ThrowIfNull(required);
        ArgumentNullException.ThrowIfNull(optional);
        ArgumentNullException.ThrowIfNull(alternatives);
        Required = [.. required];
        Optional = [.. optional];
        Alternatives = [.. alternatives.Select(group => (IReadOnlyList<string>)[.. group])];
    }

    /// <summary>
    /// What a BLIP captioning checkpoint needs: the configs, the tokenizer files, one image processor config and one
    /// weights file, model.safetensors when listed, else pytorch_model.bin. tf_model.h5 is never fetched.
    /// </summary>
    public static CheckpointFileSet Blip { get; } = new(
        [HubFileNames.Config, HubFileNames.TokenizerConfig, HubFileNames.SpecialTokensMap, HubFileNames.Vocabulary],
        ["tokenizer.json", HubFileNames.GenerationConfig],
        [
            [HubFileNames.PreprocessorConfig, HubFileNames.ProcessorConfig],
            [HubFileNames.Safetensors, HubFileNames.TorchBin],
        ]);

    /// <summary>Files the revision must list; fetching fails, naming them, when one is missing.</summary>
    public IReadOnlyList<string> Required { get; }

    /// <summary>Files fetched when the revision lists them.</summary>
    public IReadOnlyList<string> Optional { get; }

    /// <summary>Groups of files in order of preference: of each group only the first one listed is fetched, and one must be listed.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Alternatives { get; }

    /// <summary>
    /// The files to fetch from a revision that lists <paramref name="available"/>; a missing required file, or a
    /// group none of whose files is listed, is a <see cref="HubException"/> that names it.
    /// </summary>
    public IReadOnlyList<string> SelectFrom(IReadOnlyCollection<string> available, string repo, string revision)
    {
        ArgumentNullException.ThrowIfNull(available);
        var listed = available.ToHashSet(StringComparer.Ordinal);
        var missing = Required.Where(f => !listed.Contains(f)).ToList();
        if (missing.Count > 0)
        {
            throw new HubException($"Repo '{repo}' at revision '{revision}' has no {string.Join(", ", missing)}: it is not a complete checkpoint (it lists: {string.Join(", ", available.Order(StringComparer.Ordinal))}).");
        }

        var selected = Required.Concat(Optional.Where(listed.Contains)).ToList();
        foreach (var group in Alternatives)
        {
            var choice = group.FirstOrDefault(listed.Contains)
                ?? throw new HubException($"Repo '{repo}' at revision '{revision}' has none of {string.Join(" or ", group)} (it lists: {string.Join(", ", available.Order(StringComparer.Ordinal))}).");
            selected.Add(choice);
        }

        return selected;
    }

    /// <summary>The files a snapshot folder holds that this set would use, or null when a required one is missing.</summary>
    public IReadOnlyList<string>? FindCompleteIn(string snapshotFolder)
    {
        bool Present(string file) => File.Exists(Path.Combine(snapshotFolder, file));
        if (!Directory.Exists(snapshotFolder) || !Required.All(Present))
        {
            return null;
        }

        var files = Required.Concat(Optional.Where(Present)).ToList();
        foreach (var group in Alternatives)
        {
            var choice = group.FirstOrDefault(Present);
            if (choice is null)
            {
                return null;
            }

            files.Add(choice);
        }

        return files;
    }
}
