using BlipCaptioning.Errors;
using static BlipCaptioning.Testing.HostileModelFolders;

namespace BlipCaptioning.Tests.Inference;

/// <summary>How <see cref="ImageCaptioner"/> uses an <see cref="IModelSource"/> before it loads the model.</summary>
[Collection(TinyModelDefinition.Name)]
public sealed class ImageCaptionerModelSourceTests(TinyModelFixture fixture)
{
    [Fact]
    public async Task CaptionAsync_EmptyFolderAndASource_TheSourceFillsItOnceBeforeTheFirstLoad()
    {
        string target = Path.Combine(fixture.Root, "sourced-" + Guid.NewGuid().ToString("N"));
        var source = new CopyingModelSource(fixture.ModelDirectory);
        using var captioner = new ImageCaptioner(fixture.Options(modelDirectory: target), modelSource: source);

        await using (var first = TinyModelFixture.OpenImage("rocket"))
        {
            Assert.Equal(TinyModelFixture.ReferenceIds("rocket", "greedy_uncond"), (await captioner.CaptionAsync(first)).TokenIds);
        }

        await using (var second = TinyModelFixture.OpenImage("coffee"))
        {
            await captioner.CaptionAsync(second);
        }

        Assert.Equal([Path.GetFullPath(target)], source.Calls);
    }

    [Fact]
    public async Task CaptionAsync_SourceFails_ItsExceptionReachesTheCallerAndTheNextCaptionAsksAgain()
    {
        string target = Path.Combine(fixture.Root, "sourced-" + Guid.NewGuid().ToString("N"));
        var fault = new IOException("the model blob folder could not be read");
        var source = new CopyingModelSource(fixture.ModelDirectory) { FailFirst = fault };
        using var captioner = new ImageCaptioner(fixture.Options(modelDirectory: target), modelSource: source);

        var error = await Assert.ThrowsAsync<IOException>(() => captioner.DescribeModelAsync());
        var description = await captioner.DescribeModelAsync();

        Assert.Same(fault, error);
        Assert.Equal(2, source.Calls.Count);
        Assert.Equal(Path.GetFullPath(target), description.Directory);
    }

    [Fact]
    public async Task DescribeModelAsync_SourceWroteAndVerifiedTheFolder_ItsFilesAreNotHashedAgain()
    {
        // A flipped byte in a data file shows whether the load hashed the files: only the hash would notice it.
        string copy = fixture.CopyModel();
        FlipByte(Path.Combine(copy, "vision_encoder.onnx.data"), 4096);
        using var trusting = new ImageCaptioner(fixture.Options(modelDirectory: copy), modelSource: new FixedModelSource(ModelSourceResult.WrittenAndVerified));
        using var checking = new ImageCaptioner(fixture.Options(modelDirectory: copy), modelSource: new FixedModelSource(ModelSourceResult.Unchanged));

        var description = await trusting.DescribeModelAsync();
        var error = await Assert.ThrowsAsync<ModelContractException>(() => checking.DescribeModelAsync());

        Assert.Equal(Path.GetFullPath(copy), description.Directory);
        Assert.Contains("vision_encoder.onnx.data is damaged or was changed", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Copies a model folder into the captioner's folder when it holds none, as the Functions app's provisioner does.</summary>
    private sealed class CopyingModelSource(string from) : IModelSource
    {
        public List<string> Calls { get; } = [];

        public Exception? FailFirst { get; init; }

        public Task<ModelSourceResult> PrepareAsync(string modelDirectory, CancellationToken cancellationToken)
        {
            Calls.Add(modelDirectory);
            if (Calls.Count == 1 && FailFirst is { } fault)
            {
                throw fault;
            }

            if (Directory.Exists(modelDirectory))
            {
                return Task.FromResult(ModelSourceResult.Unchanged);
            }

            Directory.CreateDirectory(modelDirectory);
            foreach (string file in Directory.EnumerateFiles(from))
            {
                File.Copy(file, Path.Combine(modelDirectory, Path.GetFileName(file)));
            }

            return Task.FromResult(ModelSourceResult.Unchanged);
        }
    }

    private sealed class FixedModelSource(ModelSourceResult result) : IModelSource
    {
        public Task<ModelSourceResult> PrepareAsync(string modelDirectory, CancellationToken cancellationToken) => Task.FromResult(result);
    }
}
