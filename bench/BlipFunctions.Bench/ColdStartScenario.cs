using System.Diagnostics;
using System.Globalization;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BlipCaptioning;
using BlipFunctions.Captioning;
using BlipFunctions.Functions;
using BlipFunctions.Testing;

namespace BlipFunctions.Bench;

/// <summary>
/// A fresh instance's first caption, step by step: the model folder uploaded to the models container on Azurite, then
/// copied to an empty local folder by the app's <see cref="ModelProvisioner"/> (one streamed download per file, as the
/// app does today) and, alternating with it, by parallel ranged downloads (the SDK's <c>DownloadToAsync</c> with
/// <c>MaximumConcurrency</c> ranges in flight); then, on the app's own copy, session creation (the model loaded by the
/// shared captioner, which first has the app's model source copy it) and the first caption through
/// <see cref="CaptionBlobFunction"/>, then a second one for contrast.
/// </summary>
internal sealed class ColdStartScenario(ColdStartOptions options, AzuriteProcess azurite)
{
    private const string ModelsContainer = "models";
    private const int RangeBytes = 8 << 20;

    public async Task<ColdStartResult> RunAsync(CancellationToken cancellationToken)
    {
        string work = Directory.CreateTempSubdirectory("blip-cold-start-").FullName;
        try
        {
            return await RunInAsync(work, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private async Task<ColdStartResult> RunInAsync(string work, CancellationToken cancellationToken)
    {
        BlobContainerClient models = azurite.Blobs.GetBlobContainerClient(ModelsContainer);
        await models.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        string prefix = "blip/";
        long modelBytes = 0;
        Console.Error.WriteLine($"cold-start: uploading {options.ModelDirectory} to the {ModelsContainer} container...");
        foreach (string file in Directory.EnumerateFiles(options.ModelDirectory))
        {
            await models.GetBlobClient(prefix + Path.GetFileName(file)).UploadAsync(file, cancellationToken).ConfigureAwait(false);
            modelBytes += new FileInfo(file).Length;
        }

        var settings = new Dictionary<string, string?>
        {
            ["CaptionStorage"] = azurite.ConnectionString,
            ["Captioning:CaptionsTable"] = "coldstart" + Guid.NewGuid().ToString("N")[..12],
            ["Captioning:ModelBlobUri"] = models.Uri.AbsoluteUri.TrimEnd('/') + "/" + prefix,
            ["Captioning:IntraOpThreads"] = "0",
        };

        // Copies side by side: the app's way and ranged downloads, alternating, each into an empty folder.
        var appCopies = new List<double>();
        var rangedCopies = new List<double>();
        for (int round = 0; round < options.CopyRounds; round++)
        {
            foreach (bool ranged in round % 2 == 0 ? new[] { false, true } : [true, false])
            {
                string target = Path.Combine(work, $"copy-{round}-{(ranged ? "ranged" : "app")}");
                double seconds = ranged
                    ? await RangedCopyAsync(models, prefix, target, cancellationToken).ConfigureAwait(false)
                    : await AppCopyAsync(settings, target, cancellationToken).ConfigureAwait(false);
                (ranged ? rangedCopies : appCopies).Add(seconds);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cold-start: copy {round + 1} {(ranged ? $"ranged x{options.RangedConcurrency}" : "app")}: {seconds:F2} s"));
                Directory.Delete(target, recursive: true);
            }
        }

        // The instance: an empty model folder, the app's copy, then the model loaded and the first caption.
        string modelDirectory = Path.Combine(work, "instance");
        settings["Captioning:ModelDirectory"] = modelDirectory;
        using AppHost app = AppHost.Create(settings);
        BlobContainerClient images = azurite.Blobs.GetBlobContainerClient(CaptionBlobFunction.Container);
        await images.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        BlobClient first = images.GetBlobClient("cold-start/first.jpg");
        BlobClient second = images.GetBlobClient("cold-start/second.jpg");
        await first.UploadAsync(BinaryData.FromBytes(SyntheticImages.Jpeg(1)), cancellationToken).ConfigureAwait(false);
        await second.UploadAsync(BinaryData.FromBytes(SyntheticImages.Jpeg(4)), cancellationToken).ConfigureAwait(false);

        // As on a fresh instance: the captioner asks the app's model source (ModelProvisioner) to copy the model into the
        // empty folder, then loads it (without hashing the files again: the copy checked them).
        var clock = Stopwatch.StartNew();
        ModelDescription model = await app.Get<IImageCaptioner>().DescribeModelAsync(cancellationToken).ConfigureAwait(false);
        double copyAndLoadSeconds = clock.Elapsed.TotalSeconds;
        CaptionBlobFunction function = app.Function<CaptionBlobFunction>();
        clock.Restart();
        await function.Run(first, cancellationToken).ConfigureAwait(false);
        double firstSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        await function.Run(second, cancellationToken).ConfigureAwait(false);
        double secondSeconds = clock.Elapsed.TotalSeconds;

        return new ColdStartResult(options, model, modelBytes, appCopies, rangedCopies, copyAndLoadSeconds, firstSeconds, secondSeconds,
            ProcessMemory.PeakMiB() ?? double.NaN);
    }

    private static async Task<double> AppCopyAsync(Dictionary<string, string?> settings, string target, CancellationToken cancellationToken)
    {
        using AppHost app = AppHost.Create(new Dictionary<string, string?>(settings) { ["Captioning:ModelDirectory"] = target });
        var clock = Stopwatch.StartNew();
        await app.Get<ModelProvisioner>().PrepareAsync(target, cancellationToken).ConfigureAwait(false);
        return clock.Elapsed.TotalSeconds;
    }

    private async Task<double> RangedCopyAsync(BlobContainerClient models, string prefix, string target, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(target);
        var clock = Stopwatch.StartNew();
        var transfer = new StorageTransferOptions
        {
            MaximumConcurrency = options.RangedConcurrency,
            InitialTransferSize = RangeBytes,
            MaximumTransferSize = RangeBytes,
        };
        await foreach (BlobItem item in models.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            string path = Path.Combine(target, Path.GetFileName(item.Name));
            await models.GetBlobClient(item.Name).DownloadToAsync(path, new BlobDownloadToOptions { TransferOptions = transfer }, cancellationToken).ConfigureAwait(false);
        }

        return clock.Elapsed.TotalSeconds;
    }
}
