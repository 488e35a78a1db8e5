using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs;
using BlipCaptioning.Testing;
using BlipFunctions.Functions;
using BlipFunctions.Gallery;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using SixLabors.ImageSharp;

namespace BlipFunctions.Tests.Functions;

/// <summary><c>GET /api/thumbnails/{id}</c>: small JPEGs made with the captioning decoders, cached by image version.</summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class GetThumbnailFunctionTests(AzuriteFixture azurite, TinyModelFixture model) : IDisposable
{
    private readonly FunctionsAppHost _app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
        new Dictionary<string, string?> { ["Captioning:MaxImageBytes"] = "1000000" });
    private readonly string _folder = "thumb-tests-" + Guid.NewGuid().ToString("N")[..8] + "/";

    [Theory]
    [InlineData("astronaut", 320, 320)]
    [InlineData("coffee", 320, 213)]
    [InlineData("rocket", 320, 214)]
    public async Task Run_Photo_AnswersAJpegWithinTheBoxKeepingItsShape(string photo, int width, int height)
    {
        string name = _folder + "photos/" + photo + " #1.img";
        await UploadAsync(name, TinyModelFixture.Photo(photo));

        IActionResult result = await RunAsync(name);

        var file = Assert.IsType<FileContentResult>(result);
        Assert.Equal("image/jpeg", file.ContentType);
        IImageInfo info = Image.Identify(file.FileContents);
        Assert.Equal("JPEG", Image.DetectFormat(file.FileContents).Name);
        Assert.Equal((width, height), (info.Width, info.Height));
        Assert.InRange(file.FileContents.Length, 1_000, 60_000);
    }

    [Fact]
    public async Task Run_ExifRotatedPhoto_ThumbnailIsUpright()
    {
        string name = _folder + "rotated.jpg";
        await UploadAsync(name, File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "pil-reference", "images", "exif-orientation-6.jpg")));

        var file = Assert.IsType<FileContentResult>(await RunAsync(name));

        IImageInfo info = Image.Identify(file.FileContents);
        Assert.Equal((320, 240), (info.Width, info.Height));
    }

    [Fact]
    public async Task Run_VersionOfTheCurrentImage_IsCacheableForAYearOtherwiseRevalidated()
    {
        string name = _folder + "cache.png";
        BlobClient blob = await UploadAsync(name, TinyModelFixture.Photo("chelsea"));
        string eTag = (await blob.GetPropertiesAsync()).Value.ETag.ToString();

        (IActionResult pinned, HttpResponse pinnedResponse) = await RunWithResponseAsync(name, "?v=" + Uri.EscapeDataString(eTag));
        (IActionResult stale, HttpResponse staleResponse) = await RunWithResponseAsync(name, "?v=0x8D000000000000");
        (_, HttpResponse plainResponse) = await RunWithResponseAsync(name, "");

        Assert.Equal("private, max-age=31536000, immutable", pinnedResponse.Headers.CacheControl);
        Assert.Equal("private, no-cache", staleResponse.Headers.CacheControl);
        Assert.Equal("private, no-cache", plainResponse.Headers.CacheControl);
        Assert.Equal("nosniff", pinnedResponse.Headers.XContentTypeOptions);
        Assert.Equal(Assert.IsType<FileContentResult>(pinned).FileContents, Assert.IsType<FileContentResult>(stale).FileContents);
        Assert.Equal(ThumbnailStore.EntityTagFor((await blob.GetPropertiesAsync()).Value.ETag), Assert.IsType<FileContentResult>(pinned).EntityTag!.ToString());
    }

    [Fact]
    public async Task Run_IfNoneMatchTheCurrentVersion_Answers304WithoutMakingIt()
    {
        string name = _folder + "conditional.png";
        BlobClient blob = await UploadAsync(name, TinyModelFixture.Photo("coffee"));
        string tag = ThumbnailStore.EntityTagFor((await blob.GetPropertiesAsync()).Value.ETag);

        (IActionResult result, HttpResponse response) = await RunWithResponseAsync(name, "", ifNoneMatch: tag);

        Assert.Equal(StatusCodes.Status304NotModified, Assert.IsType<StatusCodeResult>(result).StatusCode);
        Assert.Equal(tag, response.Headers.ETag);
        Assert.False(await CachedAsync(name).ExistsAsync());
    }

    [Fact]
    public async Task Run_SecondRequest_IsServedFromTheCacheBlobUntilTheImageChanges()
    {
        string name = _folder + "reused.png";
        BlobClient blob = await UploadAsync(name, TinyModelFixture.Photo("astronaut"));
        byte[] made = Assert.IsType<FileContentResult>(await RunAsync(name)).FileContents;
        BlobClient cached = CachedAsync(name);
        BlobProperties cachedProperties = (await cached.GetPropertiesAsync()).Value;
        Assert.Equal("image/jpeg", cachedProperties.ContentType);
        Assert.Equal(ImageVersions.Unquoted((await blob.GetPropertiesAsync()).Value.ETag.ToString()), cachedProperties.Metadata["sourceetag"]);

        // The cache answers: put other bytes there under the same version and they are what is served.
        byte[] marker = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4];
        await cached.UploadAsync(new BinaryData(marker), new BlobUploadOptions { Metadata = cachedProperties.Metadata });
        Assert.Equal(marker, Assert.IsType<FileContentResult>(await RunAsync(name)).FileContents);

        // A new version of the image is never answered from the old version's cache entry.
        await blob.UploadAsync(new BinaryData(TinyModelFixture.Photo("rocket")), overwrite: true);
        byte[] remade = Assert.IsType<FileContentResult>(await RunAsync(name)).FileContents;
        Assert.NotEqual(marker, remade);
        Assert.NotEqual(made, remade);
        Assert.Equal((320, 214), (Image.Identify(remade).Width, Image.Identify(remade).Height));
    }

    [Fact]
    public async Task Run_CacheBlobLargerThanAnyThumbnail_IsIgnoredAndReplaced()
    {
        string name = _folder + "huge-cache.png";
        BlobClient blob = await UploadAsync(name, TinyModelFixture.Photo("chelsea"));
        BlobContainerClient cache = _app.Get<BlipFunctions.Configuration.CaptionStorageClients>().Blobs.GetBlobContainerClient(ThumbnailStore.CacheContainer);
        await cache.CreateIfNotExistsAsync();
        await cache.GetBlobClient(name).UploadAsync(new BinaryData(new byte[ThumbnailStore.MaxCachedBytes + 1]), new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string>
            {
                ["sourceetag"] = ImageVersions.Unquoted((await blob.GetPropertiesAsync()).Value.ETag.ToString()),
                ["format"] = ThumbnailStore.FormatVersion,
            },
        });

        var file = Assert.IsType<FileContentResult>(await RunAsync(name));

        Assert.Equal("JPEG", Image.DetectFormat(file.FileContents).Name);
        Assert.Equal(file.FileContents.Length, (await CachedAsync(name).GetPropertiesAsync()).Value.ContentLength);
    }

    [Theory]
    [InlineData("text", "not an image in a supported format")]
    [InlineData("bomb", "pixels")]
    [InlineData("large", "Captioning__MaxImageBytes")]
    public async Task Run_ImageTheLoaderRefuses_Answers422WithItsReason(string kind, string reason)
    {
        string name = _folder + kind + ".png";
        await UploadAsync(name, kind switch
        {
            "text" => "<html><body>no photo</body></html>"u8.ToArray(),
            "bomb" => TestImages.PngBomb(),
            _ => TestImages.RandomBytes(1_000_001, 5),
        });

        var problem = Assert.IsType<ObjectResult>(await RunAsync(name));

        Assert.Equal(StatusCodes.Status422UnprocessableEntity, problem.StatusCode);
        Assert.Contains(reason, Assert.IsType<ProblemDetails>(problem.Value).Detail, StringComparison.Ordinal);
        Assert.False(await CachedAsync(name).ExistsAsync());
    }

    [Theory]
    [MemberData(nameof(HostileUploadTests.RefusedImages), MemberType = typeof(HostileUploadTests))]
    public async Task Run_HostileImageCaptioningRefuses_Answers422WithTheSameReasonNotKeptAnywhere(string kind, string reason)
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
        string name = _folder + "hostile/" + kind;
        await app.Images.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(HostileUploadTests.Make(kind)), overwrite: true);

        (IActionResult result, HttpResponse response) = await RunWithResponseAsync(app, name, "");

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status422UnprocessableEntity, problem.StatusCode);
        Assert.Contains(reason, Assert.IsType<ProblemDetails>(problem.Value).Detail, StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl);
        Assert.False(await CachedAsync(name).ExistsAsync());
    }

    [Fact]
    public async Task Run_DecodeOverCaptioningsTimeBudget_Answers422NamingTheBudget()
    {
        // Captioning__ImageDecodeTimeout bounds the thumbnail's decode as it bounds captioning's: a 6,000 x 6,000
        // progressive JPEG of 300 scans takes seconds to decode, far past 1 ms.
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
            new Dictionary<string, string?> { ["Captioning:ImageDecodeTimeout"] = "00:00:00.001" });
        string name = _folder + "slow.jpg";
        await app.Images.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(HostileImages.ProgressiveJpeg(6000, 6000, 300)), overwrite: true);

        (IActionResult result, HttpResponse response) = await RunWithResponseAsync(app, name, "?v=any");

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status422UnprocessableEntity, problem.StatusCode);
        Assert.StartsWith("Decoding the JPEG image took longer than its budget of 0.001 s (DecodeTimeout)",
            Assert.IsType<ProblemDetails>(problem.Value).Detail, StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl);
    }

    [Fact]
    public async Task Run_TiffOnAndAJpegCompressedTiffThatContainsItself_Answers422InsteadOfKillingTheWorker()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
            new Dictionary<string, string?> { ["Captioning:EnableTiff"] = "true" });
        string name = _folder + "recursive.tiff";
        await app.Images.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(HostileImages.TiffWhoseJpegStripIsItself()), overwrite: true);

        var problem = Assert.IsType<ObjectResult>((await RunWithResponseAsync(app, name, "")).Result);

        Assert.Equal(StatusCodes.Status422UnprocessableEntity, problem.StatusCode);
        Assert.StartsWith("The TIFF image uses JPEG compression", Assert.IsType<ProblemDetails>(problem.Value).Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing.png", StatusCodes.Status404NotFound)]
    [InlineData("ends-with-dot.", StatusCodes.Status400BadRequest)]
    [InlineData("back\\slash.png", StatusCodes.Status400BadRequest)]
    public async Task Run_NoSuchImage_AnswersProblem(string name, int status)
    {
        var problem = Assert.IsType<ObjectResult>(await RunAsync(_folder + name));

        Assert.Equal(status, problem.StatusCode);
    }

    public void Dispose() => _app.Dispose();

    private BlobClient CachedAsync(string name) =>
        _app.Get<BlipFunctions.Configuration.CaptionStorageClients>().Blobs.GetBlobContainerClient(ThumbnailStore.CacheContainer).GetBlobClient(name);

    private async Task<BlobClient> UploadAsync(string name, byte[] bytes)
    {
        BlobClient blob = _app.Images.GetBlobClient(name);
        await blob.UploadAsync(new BinaryData(bytes), overwrite: true);
        return blob;
    }

    private async Task<IActionResult> RunAsync(string name) => (await RunWithResponseAsync(name, "")).Result;

    private Task<(IActionResult Result, HttpResponse Response)> RunWithResponseAsync(string name, string query, string? ifNoneMatch = null) =>
        RunWithResponseAsync(_app, name, query, ifNoneMatch);

    private static async Task<(IActionResult Result, HttpResponse Response)> RunWithResponseAsync(FunctionsAppHost app, string name, string query, string? ifNoneMatch = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = "/api/thumbnails/" + name;
        context.Request.QueryString = new QueryString(query);
        if (ifNoneMatch is not null)
        {
            context.Request.Headers.IfNoneMatch = ifNoneMatch;
        }

        IActionResult result = await app.Function<GetThumbnailFunction>().Run(context.Request, name, CancellationToken.None);
        return (result, context.Response);
    }
}
