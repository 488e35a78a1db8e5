using System.Text;
using System.Text.Json.Nodes;
using BlipCaptioning;
using BlipCaptioning.Errors;
using BlipCaptioning.Model;
using BlipFunctions.Testing;
using BlipFunctions.Captioning;
using BlipFunctions.Tests.Fixtures;
using Microsoft.Extensions.Options;
using static BlipCaptioning.Testing.HostileModelFolders;

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
        Caption caption = await app.Get<IImageCaptioner>().CaptionAsync(image);

        Assert.False(string.IsNullOrWhiteSpace(caption.Text));
        Assert.Equal(target, Path.GetFullPath(caption.Model.Directory));
        Assert.True(File.Exists(Path.Combine(target, BlipModelContract.ManifestFileName)));
        Assert.Equal(
            Directory.EnumerateFiles(model.ModelDirectory).Select(Path.GetFileName).Order(),
            Directory.EnumerateFiles(target).Select(Path.GetFileName).Order());
        Assert.Empty(Directory.EnumerateFileSystemEntries(model.Root, ".copied-" + folder + ".download-*"));
    }

    [Fact]
    public async Task PrepareAsync_BlobNamedWithAnAbsolutePathInTheFolder_WritesNothingOutsideTheModelDirectory()
    {
        string folder = await UploadModelAsync();
        string outside = Path.Combine(Path.GetTempPath(), "blip-escaped-" + Guid.NewGuid().ToString("N"));
        var container = azurite.Blobs.GetBlobContainerClient("models");
        await container.GetBlobClient($"{folder}/{outside}").UploadAsync(BinaryData.FromString("written outside the model folder"));
        string target = Path.Combine(model.Root, "copied-" + folder);
        using var app = AppCopying(folder, target);

        await PrepareAsync(app);

        Assert.False(File.Exists(outside), $"{outside} was written");
        Assert.Equal(
            Directory.EnumerateFiles(model.ModelDirectory).Select(Path.GetFileName).Order(),
            Directory.EnumerateFiles(target).Select(Path.GetFileName).Order());
        Assert.Empty(Directory.EnumerateDirectories(target));
    }

    [Fact]
    public async Task PrepareAsync_DataBlobWithAFlippedByte_IsRefusedNamingItAndLeavesNoModel()
    {
        string folder = await UploadModelAsync(corrupt: "text_decoder.onnx.data");
        string target = Path.Combine(model.Root, "copied-" + folder);
        using var app = AppCopying(folder, target);

        var error = await Assert.ThrowsAsync<ModelContractException>(() => PrepareAsync(app));

        Assert.Contains($"/{folder}/text_decoder.onnx.data is damaged or was changed", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(target, BlipModelContract.ManifestFileName)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(model.Root, ".copied-" + folder + ".download-*"));
    }

    [Fact]
    public async Task PrepareAsync_ManifestNamingADataFileOutsideTheFolder_IsRefused()
    {
        string folder = await UploadModelAsync(editManifest: manifest => manifest["graphs"]!["text_decoder"]!["data_file"] = "../../../tmp/evil");
        using var app = AppCopying(folder, Path.Combine(model.Root, "copied-" + folder));

        var error = await Assert.ThrowsAsync<ModelContractException>(() => PrepareAsync(app));

        Assert.Contains("data_file is '../../../tmp/evil', expected 'text_decoder.onnx.data' or none", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrepareAsync_ManifestBlobLargerThanItsBudget_IsRefusedBeforeItIsRead()
    {
        var container = azurite.Blobs.GetBlobContainerClient("models");
        await container.CreateIfNotExistsAsync();
        string folder = "huge-" + Guid.NewGuid().ToString("N")[..8];
        await container.GetBlobClient($"{folder}/{BlipModelContract.ManifestFileName}").UploadAsync(new BinaryData(new byte[(1 << 20) + 1]));
        using var app = AppCopying(folder, Path.Combine(model.Root, "copied-" + folder));

        var error = await Assert.ThrowsAsync<ModelContractException>(() => PrepareAsync(app));

        Assert.Contains("blip-model.json is 1,048,577 bytes, more than the 1,048,576 a manifest may hold", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrepareAsync_RequiredFileMissingFromTheFolder_NamesIt()
    {
        string folder = await UploadModelAsync(skip: "vocab.txt");
        using var app = AppCopying(folder, Path.Combine(model.Root, "copied-" + folder));

        var error = await Assert.ThrowsAsync<ModelContractException>(() => PrepareAsync(app));

        Assert.Contains("has no vocab.txt, which its blip-model.json needs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrepareAsync_StagingFolderOfAWorkerKilledMidCopy_IsRemoved()
    {
        string folder = await UploadModelAsync();
        string target = Path.Combine(model.Root, "copied-" + folder);
        string abandoned = Directory.CreateDirectory(Path.Combine(model.Root, $".copied-{folder}.download-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(abandoned, "text_decoder.onnx.data"), "half downloaded");
        Directory.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddHours(-1));
        using var app = AppCopying(folder, target);

        ModelSourceResult copied = await PrepareAsync(app);

        Assert.False(Directory.Exists(abandoned));
        Assert.True(File.Exists(Path.Combine(target, BlipModelContract.ManifestFileName)));
        Assert.Equal(ModelSourceResult.WrittenAndVerified, copied);
    }

    [Fact]
    public async Task PrepareAsync_FolderAlreadyHoldsAModel_LeavesItForTheLoadToCheck()
    {
        string folder = await UploadModelAsync();
        string target = Path.Combine(model.Root, "copied-" + folder);
        using var app = AppCopying(folder, target);
        await PrepareAsync(app);
        File.WriteAllText(Path.Combine(target, "vocab.txt"), "changed after the copy");

        ModelSourceResult again = await PrepareAsync(app);

        Assert.Equal(ModelSourceResult.Unchanged, again);
        Assert.Equal("changed after the copy", File.ReadAllText(Path.Combine(target, "vocab.txt")));
    }

    [Fact]
    public async Task PrepareAsync_NoModelBlobUri_LeavesTheFolderUnchanged()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);

        Assert.Equal(ModelSourceResult.Unchanged, await PrepareAsync(app));
    }

    [Fact]
    public async Task CaptionAsync_CopiedModelWhoseWeightsAreNaN_IsRefusedRatherThanRecordingANaNScore()
    {
        // A model built before `blip model build` refused non-finite weights, uploaded with a matching manifest.
        string poisoned = Directory.CreateDirectory(Path.Combine(model.Root, "nan-" + Guid.NewGuid().ToString("N"))).FullName;
        foreach (string file in Directory.EnumerateFiles(model.ModelDirectory))
        {
            File.Copy(file, Path.Combine(poisoned, Path.GetFileName(file)));
        }

        FillDecoderWithNaN(poisoned);
        string folder = await UploadModelAsync(from: poisoned);
        using var app = AppCopying(folder, Path.Combine(model.Root, "copied-" + folder));
        using var image = new MemoryStream(TinyModelFixture.Photo("rocket"));

        var error = await Assert.ThrowsAsync<ModelContractException>(() => app.Get<IImageCaptioner>().CaptionAsync(image));

        Assert.Contains("produced a non-finite score (NaN)", error.Message, StringComparison.Ordinal);
    }

    /// <summary>What the captioner does before it loads the model: asks the app's model source to put it in its folder.</summary>
    private static Task<ModelSourceResult> PrepareAsync(FunctionsAppHost app) =>
        app.Get<IModelSource>().PrepareAsync(Path.GetFullPath(app.Get<IOptions<CaptioningOptions>>().Value.ModelDirectory!), CancellationToken.None);

    private FunctionsAppHost AppCopying(string folder, string target) =>
        FunctionsAppHost.Create(azurite, target, new Dictionary<string, string?>
        {
            ["Captioning:ModelBlobUri"] = $"{azurite.Blobs.GetBlobContainerClient("models").Uri}/{folder}/",
        });

    /// <summary>Uploads a model folder's files (the tiny model's by default) to a new folder of the models container, optionally damaged; returns the folder.</summary>
    private async Task<string> UploadModelAsync(string? from = null, string? corrupt = null, string? skip = null, Action<JsonNode>? editManifest = null)
    {
        string folder = "tiny-" + Guid.NewGuid().ToString("N")[..8];
        var container = azurite.Blobs.GetBlobContainerClient("models");
        await container.CreateIfNotExistsAsync();
        foreach (string file in Directory.EnumerateFiles(from ?? model.ModelDirectory))
        {
            string name = Path.GetFileName(file);
            var blob = container.GetBlobClient($"{folder}/{name}");
            byte[] content = await File.ReadAllBytesAsync(file);
            if (name == skip)
            {
                continue;
            }

            if (name == corrupt)
            {
                content[content.Length / 2] ^= 0x01;
            }

            if (name == BlipModelContract.ManifestFileName && editManifest is not null)
            {
                var manifest = JsonNode.Parse(content)!;
                editManifest(manifest);
                content = Encoding.UTF8.GetBytes(manifest.ToJsonString());
            }

            await blob.UploadAsync(new BinaryData(content));
        }

        return folder;
    }

    [Fact]
    public async Task PrepareAsync_BlobFolderWithoutAManifest_SaysWhatToUpload()
    {
        var container = azurite.Blobs.GetBlobContainerClient("models");
        await container.CreateIfNotExistsAsync();
        string folder = "empty-" + Guid.NewGuid().ToString("N")[..8];
        await container.GetBlobClient($"{folder}/vocab.txt").UploadAsync(BinaryData.FromString("[PAD]"));
        using var app = FunctionsAppHost.Create(azurite, Path.Combine(model.Root, folder), new Dictionary<string, string?>
        {
            ["Captioning:ModelBlobUri"] = $"{container.Uri}/{folder}/",
        });

        var error = await Assert.ThrowsAsync<ModelNotFoundException>(() => PrepareAsync(app));

        Assert.Contains("blip-model.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("blip model fetch", error.Message, StringComparison.Ordinal);
    }
}
