using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.CheckpointWriting;
using BlipCaptioning.Testing;
using static BlipCaptioning.Testing.HostileModelFolders;

namespace BlipCaptioning.Cli.Tests;

/// <summary>
/// Hostile checkpoints and model folders through the commands a user runs: each is refused with one clear line and
/// exit code 1 (a checkpoint the build refuses) or 3 (a model folder that is invalid), never a trace, a hang or
/// memory exhaustion.
/// </summary>
[Collection(CliDefinition.Name)]
public sealed class HostileModelInputTests(CliFixture fixture)
{
    [Fact]
    public async Task ModelBuild_BinWhose93TensorsAreStrideZeroViewsOfOneFourByteStorage_IsRefusedWithoutAllocatingThem()
    {
        string checkpoint = CopyTinyACheckpoint(weights: "pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict();
        foreach (var item in BlipWeightLayout.StateDict(BlipConfigReader.ReadDirectory(checkpoint).Architecture))
        {
            pickle.Tensor(item.Name, "FloatStorage", "0", 1, 0, [1 << 28], [0]);
        }

        HandmadePickle.WriteTorchZip(Path.Combine(checkpoint, "pytorch_model.bin"), pickle.EndStateDict().ToArray(), new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(1) });

        var result = await BuildAsync(checkpoint);

        AssertRefused(result, "does not match its config.json (93 problem(s))");
        Assert.Contains("shape mismatch: text_decoder.bert.embeddings.word_embeddings.weight is [268435456], config.json implies [30524, 32]", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelBuild_BinWithADuplicateZipRecord_IsRefused()
    {
        string checkpoint = CopyTinyACheckpoint(weights: "pytorch_model.bin");
        string bin = Path.Combine(checkpoint, "pytorch_model.bin");
        string record;
        using (var archive = ZipFile.Open(bin, ZipArchiveMode.Update))
        {
            record = archive.Entries.First(entry => entry.FullName.Contains("/data/", StringComparison.Ordinal)).FullName;
            using var duplicate = archive.CreateEntry(record).Open();
            duplicate.Write(new byte[16]);
        }

        var result = await BuildAsync(checkpoint);

        AssertRefused(result, $"holds two zip records named '{record}'");
    }

    [Theory]
    [InlineData("text_config", "num_hidden_layers", 1_000_000, "field 'text_config.num_hidden_layers' is 1000000, more than the 128 this converter supports")]
    [InlineData("vision_config", "num_hidden_layers", 100_000_000, "field 'vision_config.num_hidden_layers' is 100000000, more than the 128 this converter supports")]
    [InlineData("text_config", "max_length", 1_000_000_000, "field 'text_config.max_length' is 1000000000; it counts [DEC], the prompt and the caption")]
    [InlineData("text_config", "num_beams", 1_000_000, "field 'text_config.num_beams' is 1000000; it must be between 1 (greedy) and 16")]
    public async Task ModelBuild_AbsurdConfig_IsRefusedNamingTheField(string section, string field, int value, string expected)
    {
        string checkpoint = CopyTinyACheckpoint(weights: "model.safetensors");
        string configPath = Path.Combine(checkpoint, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config[section]![field] = value;
        File.WriteAllText(configPath, config.ToJsonString());

        var result = await BuildAsync(checkpoint);

        AssertRefused(result, expected);
    }

    [Fact]
    public async Task ModelBuild_ConfigIsASymlinkToDevZero_IsRefusedNotReadUntilMemoryRunsOut()
    {
        string checkpoint = CopyTinyACheckpoint(weights: "model.safetensors");
        File.Delete(Path.Combine(checkpoint, "config.json"));
        File.CreateSymbolicLink(Path.Combine(checkpoint, "config.json"), "/dev/zero");

        var result = await BuildAsync(checkpoint);

        AssertRefused(result, "config.json is a character device, not a regular file");
    }

    [Fact]
    public async Task ModelBuild_VocabularyIsASymlinkToDevZero_IsRefusedNotCopiedForever()
    {
        string checkpoint = CopyTinyACheckpoint(weights: "model.safetensors");
        File.Delete(Path.Combine(checkpoint, "vocab.txt"));
        File.CreateSymbolicLink(Path.Combine(checkpoint, "vocab.txt"), "/dev/zero");

        var result = await BuildAsync(checkpoint);

        AssertRefused(result, "vocab.txt is a character device, not a regular file");
    }

    [Fact]
    public async Task ModelBuild_WeightHoldingNaN_IsRefusedNamingTheWeight()
    {
        string checkpoint = CopyTinyACheckpoint(weights: "model.safetensors");
        string weights = Path.Combine(checkpoint, "model.safetensors");
        const string name = "vision_model.post_layernorm.weight";
        var tensors = SafetensorsReader.ReadAll(weights);
        var poisoned = tensors[name].Data.ToArray();
        poisoned[3] = float.NaN;
        SafetensorsWriter.Write(weights, tensors.Values.Select(tensor => tensor.Name == name ? tensor with { Data = poisoned } : tensor));

        var result = await BuildAsync(checkpoint);

        AssertRefused(result, $"weight '{name}' holds NaN at position 3 of 48");
    }

    [Fact]
    public async Task ModelBuild_SafetensorsWithATensorNameThatIsNotUtf8_IsRefusedWithoutATrace()
    {
        string checkpoint = CopyTinyACheckpoint(weights: "model.safetensors");
        string weights = Path.Combine(checkpoint, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        int name = Encoding.UTF8.GetString(bytes, 8, headerLength).IndexOf("vision_model.post_layernorm.bias", StringComparison.Ordinal);
        bytes[8 + name] = 0xFF;
        File.WriteAllBytes(weights, bytes);

        var result = await BuildAsync(checkpoint);

        AssertRefused(result, "the header is not valid UTF-8");
    }

    [Fact]
    public async Task ModelBuild_StagingFolderOfAKilledBuild_IsRemovedByTheNextBuild()
    {
        string output = Path.Combine(fixture.Root, "rebuilt-" + Guid.NewGuid().ToString("N"));
        // What `blip model build` leaves when it is killed: its staging folder and its (no longer held) lock file.
        string killed = Path.Combine(fixture.Root, $".{Path.GetFileName(output)}.building-{Guid.NewGuid():N}");
        Directory.CreateDirectory(killed);
        File.WriteAllText(Path.Combine(killed, "text_decoder.onnx.data"), "half written");
        File.WriteAllText(killed + ".lock", "");
        File.SetLastWriteTimeUtc(killed + ".lock", DateTime.UtcNow.AddHours(-1));
        Directory.SetLastWriteTimeUtc(killed, DateTime.UtcNow.AddHours(-1));

        var result = await CliRunner.RunAsync("model", "build", "--from", Path.Combine(RepositoryPaths.TinyA, "checkpoint"), "--out", output);

        Assert.Equal(0, result.ExitCode);
        Assert.False(Directory.Exists(killed));
        Assert.False(File.Exists(killed + ".lock"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(fixture.Root, $".{Path.GetFileName(output)}.*"));
    }

    [Fact]
    public async Task Caption_ModelWithAFlippedByte_IsRefusedNamingTheFile()
    {
        string model = fixture.CopyModel();
        string data = Path.Combine(model, "vision_encoder.onnx.data");
        var bytes = File.ReadAllBytes(data);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(data, bytes);

        var result = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), "--model", model);

        AssertRefused(result, $"{data} is damaged or was changed: its SHA-256 is", exitCode: 3);
    }

    [Fact]
    public async Task Caption_ModelWhoseManifestAsksForAMillionBeams_FailsAtLoadNamingTheField()
    {
        string model = fixture.CopyModel();
        EditManifest(model, manifest => manifest["generation"]!["num_beams"] = 1_000_000);

        var result = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), "--model", model);

        AssertRefused(result, "generation.num_beams is 1000000; it must be between 1 and 16", exitCode: 3);
    }

    [Fact]
    public async Task CaptionJson_ModelWithNaNWeights_SaysWhyInsteadOfAJsonWriterError()
    {
        string model = fixture.CopyModel();
        FillDecoderWithNaN(model);

        var result = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), "--model", model, "--json");

        AssertRefused(result, "produced a non-finite score (NaN): its weights hold NaN or infinity", exitCode: 3);
        Assert.DoesNotContain("JSON", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.OutputLines);
    }

    /// <summary>One 'blip: ' line naming the problem and the exit code that says what failed (1: the build, 3: the model), no trace.</summary>
    private static void AssertRefused(CliResult result, string expected, int exitCode = 1)
    {
        Assert.Equal(exitCode, result.ExitCode);
        Assert.False(result.HasStackTrace, result.Error);
        Assert.StartsWith("blip: ", result.Error, StringComparison.Ordinal);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    private async Task<CliResult> BuildAsync(string checkpoint)
    {
        string output = Path.Combine(fixture.Root, "hostile-" + Guid.NewGuid().ToString("N"));
        var result = await CliRunner.RunAsync("model", "build", "--from", checkpoint, "--out", output);
        Assert.False(Directory.Exists(output), "a model folder was written from a refused checkpoint");
        return result;
    }

    /// <summary>A copy of the tiny-a checkpoint folder with one weights file (the other is left out).</summary>
    private string CopyTinyACheckpoint(string weights) =>
        TinyModels.CopyTinyACheckpoint(Path.Combine(fixture.Root, "checkpoint-" + Guid.NewGuid().ToString("N")), weights);
}
