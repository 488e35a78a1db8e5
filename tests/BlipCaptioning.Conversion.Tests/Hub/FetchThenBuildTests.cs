using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Model;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Hub;

/// <summary>What `blip model fetch` does end to end: fetch a served checkpoint, then build the model from the snapshot.</summary>
public sealed class FetchThenBuildTests : IDisposable
{
    private readonly HubTestContext _hub = new();
    private readonly TemporaryFolder _output = new();

    public void Dispose()
    {
        _hub.Dispose();
        _output.Dispose();
    }

    [Fact]
    public async Task Build_SnapshotOfTheServedTinyACheckpoint_WritesTheModelFolder()
    {
        var repo = _hub.Server.AddRepo("test/tiny-a");
        foreach (var path in Directory.GetFiles(RepositoryPaths.TinyACheckpoint))
        {
            var name = Path.GetFileName(path);
            repo.Add(name, await File.ReadAllBytesAsync(path), isLfs: name.EndsWith(".safetensors", StringComparison.Ordinal) || name.EndsWith(".bin", StringComparison.Ordinal));
        }

        var fetched = await _hub.FetchAsync(repo: "test/tiny-a");
        var modelDirectory = Path.Combine(_output.Path, "model");
        var manifest = BlipModelBuilder.Build(CheckpointLoader.Load(fetched.SnapshotDirectory), modelDirectory);

        Assert.Equal(3, manifest.Graphs.Count);
        Assert.True(File.Exists(Path.Combine(modelDirectory, BlipModelContract.ManifestFileName)));
        Assert.True(File.Exists(Path.Combine(modelDirectory, BlipModelContract.TextDecoderFileName)));
        Assert.Equal(
            await File.ReadAllBytesAsync(Path.Combine(fetched.SnapshotDirectory, "vocab.txt")),
            await File.ReadAllBytesAsync(Path.Combine(modelDirectory, BlipModelContract.VocabularyFileName)));
    }
}
