using BlipCaptioning.Conversion.Checkpoints;

namespace BlipCaptioning.Conversion.Hub;

/// <summary>
/// Which files of a repo make a usable checkpoint: files that must be there, files taken when listed, and the
/// weight files in order of preference (the first one the repo lists is fetched, no other).
/// </summary>
public sealed class CheckpointFileSet
{
    public CheckpointFileSet(IEnumerable<string> required, IEnumerable<string> optional, IEnumerable<string> weightCandidates)
    {
        ArgumentNullException.ThrowIfNull(required);
        ArgumentNullException.ThrowIfNull(optional);
        ArgumentNullException.ThrowIfNull(weightCandidates);
        Required = [.. required];
        Optional = [.. optional];
        WeightCandidates = [.. weightCandidates];
    }

    /// <summary>
    /// What a BLIP captioning checkpoint needs: the configs, the tokenizer files and one weights file,
    /// model.safetensors when listed, else pytorch_model.bin. tf_model.h5 is never fetched.
    /// </summary>
    public static CheckpointFileSet Blip { get; } = new(
        [HubFileNames.Config, HubFileNames.PreprocessorConfig, HubFileNames.TokenizerConfig, HubFileNames.SpecialTokensMap, HubFileNames.Vocabulary],
        ["tokenizer.json", HubFileNames.GenerationConfig],
        [HubFileNames.Safetensors, HubFileNames.TorchBin]);

    /// <summary>Files the revision must list; fetching fails, naming them, when one is missing.</summary>
    public IReadOnlyList<string> Required { get; }

    /// <summary>Files fetched when the revision lists them.</summary>
    public IReadOnlyList<string> Optional { get; }

    /// <summary>Weight files in order of preference: only the first one listed is fetched.</summary>
    public IReadOnlyList<string> WeightCandidates { get; }

    /// <summary>
    /// The files to fetch from a revision that lists <paramref name="available"/>; a missing required file or
    /// weights file is a <see cref="HubException"/> that names it.
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
        if (WeightCandidates.Count > 0)
        {
            var weights = WeightCandidates.FirstOrDefault(listed.Contains)
                ?? throw new HubException($"Repo '{repo}' at revision '{revision}' has none of the weight files {string.Join(" or ", WeightCandidates)} (it lists: {string.Join(", ", available.Order(StringComparer.Ordinal))}).");
            selected.Add(weights);
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
        if (WeightCandidates.Count > 0)
        {
            var weights = WeightCandidates.FirstOrDefault(Present);
            if (weights is null)
            {
                return null;
            }

            files.Add(weights);
        }

        return files;
    }
}
