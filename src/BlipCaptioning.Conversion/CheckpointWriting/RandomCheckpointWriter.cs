using BlipCaptioning.Conversion.Checkpoints;

namespace BlipCaptioning.Conversion.CheckpointWriting;

/// <summary>
/// Writes a random-weight BlipForConditionalGeneration checkpoint folder in the hub's formats: config.json,
/// model.safetensors and/or pytorch_model.bin, vocab.txt, tokenizer_config.json, special_tokens_map.json and
/// preprocessor_config.json. Weights are seeded normal noise, like the tiny-a fixture: LayerNorm weights N(1, 0.1),
/// LayerNorm biases N(0, 0.1), an untied output projection N(0, 1) (clear top-1 margins for greedy decoding),
/// everything else N(0, 0.2). Tensors are made and written one at a time into reused buffers, so the base preset
/// needs about 120 MB for weights, not the whole model's 990 MB.
/// </summary>
public static class RandomCheckpointWriter
{
    /// <summary>Writes the checkpoint of <paramref name="preset"/> into <paramref name="directory"/> (created when absent).</summary>
    /// <returns>The paths of the files written.</returns>
    public static IReadOnlyList<string> Write(
        string directory,
        BlipPreset preset,
        ulong seed,
        CheckpointFormats formats = CheckpointFormats.Both,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(preset);
        if ((formats & CheckpointFormats.Both) == 0)
        {
            throw new ArgumentException("Choose at least one weight format.", nameof(formats));
        }

        Directory.CreateDirectory(directory);
        var written = new List<string>();

        // The writers copy each tensor out before asking for the next, so one array per distinct size is reused
        // (about 120 MB for base instead of a fresh 94 MB array for every large tensor).
        var buffers = new Dictionary<long, float[]>();
        float[] Produce(TensorLayout tensor)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!buffers.TryGetValue(tensor.ElementCount, out var buffer))
            {
                buffer = new float[checked((int)tensor.ElementCount)];
                buffers[tensor.ElementCount] = buffer;
            }

            Fill(tensor, preset, seed, buffer);
            return buffer;
        }

        if (formats.HasFlag(CheckpointFormats.Safetensors))
        {
            written.Add(WriteAtomically(Path.Combine(directory, HubFileNames.Safetensors),
                path => SafetensorsWriter.Write(path, BlipWeightLayout.Stored(preset.Architecture), Produce)));
        }

        if (formats.HasFlag(CheckpointFormats.TorchBin))
        {
            var shared = new Dictionary<string, string> { [BlipWeightLayout.DecoderBias] = BlipWeightLayout.PredictionBias };
            written.Add(WriteAtomically(Path.Combine(directory, HubFileNames.TorchBin),
                path => TorchCheckpointWriter.Write(path, BlipWeightLayout.StateDict(preset.Architecture), Produce, shared)));
        }

        written.Add(WriteText(directory, HubFileNames.Config, PresetConfig.For(preset)));
        written.Add(WriteText(directory, HubFileNames.PreprocessorConfig, DefaultHubFiles.PreprocessorConfig(preset.Preprocessing)));
        written.Add(WriteText(directory, HubFileNames.TokenizerConfig, DefaultHubFiles.TokenizerConfig));
        written.Add(WriteText(directory, HubFileNames.SpecialTokensMap, DefaultHubFiles.SpecialTokensMap));
        var vocabulary = Path.Combine(directory, HubFileNames.Vocabulary);
        DefaultHubFiles.WriteVocabulary(vocabulary);
        written.Add(vocabulary);
        return written;
    }

    /// <summary>The values the random checkpoint of <paramref name="preset"/> and <paramref name="seed"/> gives <paramref name="tensor"/>.</summary>
    public static float[] Generate(TensorLayout tensor, BlipPreset preset, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(preset);
        var values = new float[checked((int)tensor.ElementCount)];
        Fill(tensor, preset, seed, values);
        return values;
    }

    private static void Fill(TensorLayout tensor, BlipPreset preset, ulong seed, float[] values)
    {
        var name = tensor.Name;
        var (mean, deviation) = (0.0, 0.2);
        if (name is BlipWeightLayout.DecoderBias)
        {
            name = BlipWeightLayout.PredictionBias;
        }
        else if (name is BlipWeightLayout.DecoderWeight)
        {
            if (preset.TieWordEmbeddings)
            {
                name = BlipWeightLayout.WordEmbeddings;
            }
            else
            {
                deviation = 1.0;
            }
        }
        else if (BlipWeightLayout.IsLayerNorm(name))
        {
            (mean, deviation) = name.EndsWith(".weight", StringComparison.Ordinal) ? (1.0, 0.1) : (0.0, 0.1);
        }

        new SeededNormal(seed, name).Fill(values, mean, deviation);
    }

    private static string WriteAtomically(string path, Action<string> write)
    {
        var partial = path + ".partial";
        try
        {
            write(partial);
            File.Move(partial, path, overwrite: true);
            return path;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static string WriteText(string directory, string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
