using System.Globalization;

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>
/// Loads a BlipForConditionalGeneration checkpoint folder as the hub holds it: config.json (+ generation_config.json
/// and preprocessor_config.json when present) and model.safetensors, or pytorch_model.bin when there is no
/// safetensors file. Checks that every weight of the captioning path is there with the shape config.json implies.
/// </summary>
public static class CheckpointLoader
{
    private const int ListedExtras = 12;

    /// <summary>Loads the checkpoint in <paramref name="directory"/>.</summary>
    /// <exception cref="CheckpointFormatException">A file is missing or malformed, or weights are missing or misshapen (all listed).</exception>
    public static BlipCheckpoint Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new CheckpointFormatException($"The checkpoint folder {directory} does not exist.");
        }

        var config = BlipConfigReader.ReadDirectory(directory);
        var layout = BlipWeightLayout.StateDict(config.Architecture);
        var wanted = layout.Select(item => item.Name).ToHashSet(StringComparer.Ordinal);
        var notes = new List<string>();
        var (weightsPath, tensors, misshapen, allNames) = ReadWeights(directory, layout);

        ResolveTiedWeights(tensors, config.TieWordEmbeddings, notes);
        var shapes = tensors.ToDictionary(pair => pair.Key, pair => pair.Value.Shape, StringComparer.Ordinal);
        foreach (var (name, shape) in misshapen)
        {
            shapes[name] = shape;
        }

        CheckShapes(weightsPath, layout, shapes, config);

        var extras = allNames.Where(name => !wanted.Contains(name)).ToList();
        if (extras.Count > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Ignored {extras.Count} tensor(s) the captioning model does not use: {string.Join(", ", extras.Take(ListedExtras))}{(extras.Count > ListedExtras ? ", ..." : "")}."));
        }

        var weights = layout.ToDictionary(item => item.Name, item => tensors[item.Name], StringComparer.Ordinal);
        var fullPath = Path.GetFullPath(directory);
        return new BlipCheckpoint(config.Architecture, weights, fullPath)
        {
            Directory = fullPath,
            Generation = config.Generation,
            Preprocessing = config.Preprocessing,
            Notes = notes,
        };
    }

    /// <summary>
    /// Reads the weights of <paramref name="layout"/> from model.safetensors or pytorch_model.bin. Every weight's shape
    /// is checked against the layout before it is read, so no file makes the loader allocate more than the config's
    /// parameters (<see cref="BlipConfigReader"/> bounds those by <see cref="BlipCaptioning.Model.ModelLimits.MaxParameters"/>).
    /// </summary>
    private static (string Path, Dictionary<string, CheckpointTensor> Tensors, IReadOnlyDictionary<string, IReadOnlyList<int>> Misshapen, IReadOnlyList<string> AllNames) ReadWeights(
        string directory, IReadOnlyList<TensorLayout> layout)
    {
        var safetensorsPath = Path.Combine(directory, HubFileNames.Safetensors);
        if (File.Exists(safetensorsPath))
        {
            using var reader = SafetensorsReader.Open(safetensorsPath);
            var byName = reader.Entries.ToDictionary(entry => entry.Name, StringComparer.Ordinal);
            var present = layout.Where(item => byName.ContainsKey(item.Name)).ToList();
            foreach (var item in present)
            {
                var entry = byName[item.Name];
                if (!entry.IsFloatingPoint)
                {
                    throw new CheckpointFormatException(
                        $"{safetensorsPath}: weight '{entry.Name}' has dtype {entry.DType}; weights must be F32, F16 or BF16.");
                }
            }

            // A weight of another shape is not read (it is reported with the missing ones).
            var misshapen = present.Where(item => !byName[item.Name].Shape.SequenceEqual(item.Shape))
                .ToDictionary(item => item.Name, item => byName[item.Name].Shape, StringComparer.Ordinal);
            var tensors = new Dictionary<string, CheckpointTensor>(StringComparer.Ordinal);
            foreach (var item in present.Where(item => !misshapen.ContainsKey(item.Name)))
            {
                tensors[item.Name] = reader.ReadTensor(item.Name);
            }

            return (safetensorsPath, tensors, misshapen, reader.Entries.Select(entry => entry.Name).ToList());
        }

        var torchPath = Path.Combine(directory, HubFileNames.TorchBin);
        if (File.Exists(torchPath))
        {
            var state = TorchCheckpointReader.Read(torchPath, layout);
            if (state.IntegerTensors.Count > 0)
            {
                throw new CheckpointFormatException(
                    $"{torchPath}: weight '{state.IntegerTensors.Keys.First()}' is an int64 tensor; weights must be floating point.");
            }

            return (torchPath, new Dictionary<string, CheckpointTensor>(state.FloatTensors, StringComparer.Ordinal), state.Misshapen, state.Names);
        }

        var sharded = Directory.EnumerateFiles(directory, "*.index.json").Any();
        throw new CheckpointFormatException(
            $"{directory} has neither {HubFileNames.Safetensors} nor {HubFileNames.TorchBin}"
            + (sharded ? " (sharded checkpoints are not supported; merge the shards into one file)." : "; download the model weights into this folder."));
    }

    private static void ResolveTiedWeights(Dictionary<string, CheckpointTensor> tensors, bool tieWordEmbeddings, List<string> notes)
    {
        var hasPrediction = tensors.TryGetValue(BlipWeightLayout.PredictionBias, out var predictionBias);
        var hasDecoder = tensors.TryGetValue(BlipWeightLayout.DecoderBias, out var decoderBias);
        if (hasPrediction && !hasDecoder)
        {
            tensors[BlipWeightLayout.DecoderBias] = predictionBias! with { Name = BlipWeightLayout.DecoderBias };
            notes.Add($"{BlipWeightLayout.DecoderBias} is not stored; it is tied to {BlipWeightLayout.PredictionBias}, which was used.");
        }
        else if (hasDecoder && !hasPrediction)
        {
            tensors[BlipWeightLayout.PredictionBias] = decoderBias! with { Name = BlipWeightLayout.PredictionBias };
            notes.Add($"{BlipWeightLayout.PredictionBias} is not stored; it is tied to {BlipWeightLayout.DecoderBias}, which was used.");
        }
        else if (hasDecoder && hasPrediction && !predictionBias!.Data.AsSpan().SequenceEqual(decoderBias!.Data))
        {
            tensors[BlipWeightLayout.DecoderBias] = predictionBias with { Name = BlipWeightLayout.DecoderBias };
            notes.Add($"{BlipWeightLayout.DecoderBias} differs from {BlipWeightLayout.PredictionBias}; transformers ties them to the latter, which was used for both.");
        }

        if (!tensors.ContainsKey(BlipWeightLayout.DecoderWeight) && tieWordEmbeddings
            && tensors.TryGetValue(BlipWeightLayout.WordEmbeddings, out var embeddings))
        {
            tensors[BlipWeightLayout.DecoderWeight] = embeddings with { Name = BlipWeightLayout.DecoderWeight };
            notes.Add($"{BlipWeightLayout.DecoderWeight} is not stored; tie_word_embeddings is set, so the word embeddings were used.");
        }
    }

    private static void CheckShapes(string weightsPath, IReadOnlyList<TensorLayout> layout, Dictionary<string, IReadOnlyList<int>> shapes, BlipModelConfig config)
    {
        var problems = new List<string>();
        foreach (var item in layout)
        {
            if (!shapes.TryGetValue(item.Name, out var shape))
            {
                problems.Add(item.Name == BlipWeightLayout.DecoderWeight && !config.TieWordEmbeddings
                    ? $"  missing: {item.Name} (tie_word_embeddings is false, so it cannot come from the word embeddings)"
                    : $"  missing: {item.Name}");
            }
            else if (!shape.SequenceEqual(item.Shape))
            {
                problems.Add($"  shape mismatch: {item.Name} is [{string.Join(", ", shape)}], config.json implies [{string.Join(", ", item.Shape)}]");
            }
        }

        if (problems.Count > 0)
        {
            throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{weightsPath} does not match its config.json ({problems.Count} problem(s)); is it a BlipForConditionalGeneration checkpoint with this config?{Environment.NewLine}{string.Join(Environment.NewLine, problems)}"));
        }
    }
}
