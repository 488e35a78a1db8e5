using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs;
using BlipFunctions.Functions;
using BlipFunctions.Storage;
using BlipFunctions.Testing;
using Microsoft.Playwright;

namespace BlipFunctions.GalleryTests.Fixtures;

/// <summary>
/// One photo library for the browser tests: a real Azurite, the tiny random model, the app's services
/// (<see cref="FunctionsAppHost"/>), uploads captioned by the app's own blob function (so the captions are the
/// model's nonsense words, and failures are the app's own failure rows), the HTTP functions served by
/// <see cref="LocalFunctionsServer"/> behind a function key, and one headless Chromium.
/// </summary>
public sealed class GalleryFixture : IAsyncLifetime, IDisposable
{
    public const string FunctionKey = "gallery-test-key-7f3c";

    /// <summary>A real photo whose name is markup that runs a script if a page ever treats it as HTML.</summary>
    public const string HostileName = "<img src=x onerror=\"alert(1);window.pwned=1\">.jpg";

    /// <summary>Text uploaded as a .jpg: its failure reason quotes its first bytes, which are markup.</summary>
    public const string NotAnImageName = "broken/notes.jpg";

    /// <summary>A captioned photo whose row is then rewritten with markup in the caption and keywords (someone with table access).</summary>
    public const string PlantedName = "planted/row.png";

    public const string HostileCaption = "<script>window.pwned=2</script><img src=x onerror=\"alert(3);window.pwned=3\"> a cat";

    public static readonly IReadOnlyList<(string Name, string Photo)> Photos =
    [
        ("holiday/astronaut.png", "astronaut"),
        ("holiday/chelsea.png", "chelsea"),
        ("holiday/ünïcode #1 100%.png", "coffee"),
        ("work/rocket.jpg", "rocket"),
        (HostileName, "rocket"),
        (PlantedName, "chelsea"),
    ];

    private readonly AzuriteFixture _azurite = new();
    private TinyModelFixture? _model;
    private IPlaywright? _playwright;

    public FunctionsAppHost App { get; private set; } = null!;

    public AzuriteFixture Azurite => _azurite;

    public string ModelDirectory => _model!.ModelDirectory;

    public LocalFunctionsServer Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The environment scripts/reconcile.sh reads the function key from.</summary>
    public static Dictionary<string, string> FunctionKeyEnvironment() => new() { ["BLIP_FUNCTIONS_KEY"] = FunctionKey };

    /// <summary>The page's address with the function key, as a user opens it in Azure.</summary>
    public string PageUrl(string query = "") => new Uri(Server.Address, $"api/gallery?code={FunctionKey}{query}").ToString();

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _model = new TinyModelFixture();
        App = FunctionsAppHost.Create(_azurite, _model.ModelDirectory);
        foreach ((string name, string photo) in Photos)
        {
            await UploadAndCaptionAsync(name, TinyModelFixture.Photo(photo), photo == "rocket" ? "image/jpeg" : "image/png");
        }

        await UploadAndCaptionAsync(NotAnImageName, "<img src=x onerror=alert(2)> these are my notes, not a photo"u8.ToArray(), "image/jpeg");
        await PlantHostileCaptionAsync();

        Server = await LocalFunctionsServer.StartAsync(App.Services, FunctionKey);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = SystemChromium.Path, Headless = true });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        await _azurite.DisposeAsync();
    }

    public void Dispose()
    {
        App?.Dispose();
        _model?.Dispose();
    }

    /// <summary>Every caption row of the library, as the table holds it.</summary>
    public List<CaptionEntity> Rows() => App.Rows();

    public CaptionEntity Row(string name) => Rows().Single(r => r.BlobName == name);

    public Task<BlobClient> UploadAndCaptionAsync(string name, byte[] bytes, string contentType) => UploadAndCaptionAsync(App, name, bytes, contentType);

    /// <summary>Uploads to the images container and captions the blob with the app's blob function, as the trigger would.</summary>
    public static async Task<BlobClient> UploadAndCaptionAsync(FunctionsAppHost app, string name, byte[] bytes, string contentType)
    {
        ArgumentNullException.ThrowIfNull(app);
        BlobClient blob = app.Images.GetBlobClient(name);
        await blob.UploadAsync(new BinaryData(bytes), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } });
        await app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);
        return blob;
    }

    private async Task PlantHostileCaptionAsync()
    {
        CaptionEntity row = Row(PlantedName);
        row.Caption = HostileCaption;
        row.Keywords = "<b>bold</b> <svg/onload=alert(4)>";
        await App.Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
    }
}
