using BlipCaptioning.Inference;
using BlipFunctions.Captioning;
using BlipFunctions.Tests.Fixtures;

namespace BlipFunctions.Tests.Captioning;

[Collection(AzuriteTestGroup.Name)]
public sealed class ModelProvisionerTests(AzuriteFixture azurite, TinyModelFixture model)
{
    [Fact]
    public async Task CaptionAsync_ModelBlobUriSet_CopiesTheModelToTheDirectoryOnFirstUseAndCaptions()
    {
        string folder = "tiny-" + Guid.NewGuid().ToString("N")[..8];
        var container = azurite.Blobs.GetBlobContainerClient("models");
        await container.CreateIfNotExistsAsync();
        foreach (string file in Directory.EnumerateFiles(model.ModelDirectory))
        {
            await container.GetBlobClient($"{folder}/{Path.GetFileName(file)}").UploadAsync(file);
        }

        string target = Path.Combine(model.Root, "copied-" + folder);
        using var app = FunctionsAppHost.Create(azurite, target, new Dictionary<string, string?>
        {
            ["Captioning:ModelBlobUri"] = $"{container.Uri}/{folder}/",
        });
        Assert.False(Directory.Exists(target));

        using var image = new MemoryStream(TinyModelFixture.Photo("rocket"));
        CaptionRun run = await app.Get<CaptioningRunner>().CaptionAsync(image, CancellationToken.None);

        Assert.False(string.IsNullOrWhiteSpace(run.Caption.Text));
        Assert.Equal(target, Path.GetFullPath(run.Model.Directory));
        Assert.True(File.Exists(Path.Combine(target, BlipModelContract.ManifestFileName)));
        Assert.Equal(
            Directory.EnumerateFiles(model.ModelDirectory).Select(Path.GetFileName).Order(),
            Directory.EnumerateFiles(target).Select(Path.GetFileName).Order());
        Assert.Empty(Directory.EnumerateDirectories(model.Root, "copied-" + folder + ".download-*"));
    }

    [Fact]
    public async Task EnsureModelAsync_BlobFolderWithoutAManifest_SaysWhatToUpload()
    {
        var container = azurite.Blobs.GetBlobContainerClient("models");
        await container.CreateIfNotExistsAsync();
        string folder = "empty-" + Guid.NewGuid().ToString("N")[..8];
        await container.GetBlobClient($"{folder}/vocab.txt").UploadAsync(BinaryData.FromString("[PAD]"));
        using var app = FunctionsAppHost.Create(azurite, Path.Combine(model.Root, folder), new Dictionary<string, string?>
        {
            ["Captioning:ModelBlobUri"] = $"{container.Uri}/{folder}/",
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.Get<ModelProvisioner>().EnsureModelAsync(CancellationToken.None));

        Assert.Contains("blip-model.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("blip model fetch", error.Message, StringComparison.Ordinal);
    }
}
