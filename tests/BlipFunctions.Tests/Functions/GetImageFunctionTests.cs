using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs;
using BlipFunctions.Functions;
using BlipFunctions.Gallery;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Tests.Functions;

/// <summary><c>GET /api/images/{id}</c>: originals through the app, only as the image formats their bytes show.</summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class GetImageFunctionTests(AzuriteFixture azurite, TinyModelFixture model) : IDisposable
{
    private readonly FunctionsAppHost _app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
        new Dictionary<string, string?> { ["Captioning:MaxImageBytes"] = "1000000" });
    private readonly string _folder = "image-tests-" + Guid.NewGuid().ToString("N")[..8] + "/";

    [Theory]
    [InlineData("rocket", "image/jpeg")]
    [InlineData("chelsea", "image/png")]
    public async Task Run_Photo_StreamsItsBytesWithTheTypeTheyShowNotTheUploadersType(string photo, string mediaType)
    {
        byte[] bytes = TinyModelFixture.Photo(photo);
        string name = _folder + "holiday/" + photo + " #1 ü.bin";
        await UploadAsync(name, bytes, "text/html");

        (IActionResult result, HttpResponse response) = await RunAsync(name);

        var file = Assert.IsType<FileStreamResult>(result);
        Assert.Equal(mediaType, file.ContentType);
        using var copy = new MemoryStream();
        await file.FileStream.CopyToAsync(copy);
        await file.FileStream.DisposeAsync();
        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal(bytes.Length, response.ContentLength);
        Assert.Equal("nosniff", response.Headers.XContentTypeOptions);
        Assert.Contains("sandbox", response.Headers.ContentSecurityPolicy.ToString(), StringComparison.Ordinal);
        Assert.Equal("private, no-cache", response.Headers.CacheControl);
    }

    [Fact]
    public async Task Run_HtmlUploadedAsAnImage_IsNotServed()
    {
        string name = _folder + "page.jpg";
        await UploadAsync(name, "<html><script>alert(1)</script></html>"u8.ToArray(), "image/jpeg");

        var problem = Assert.IsType<ObjectResult>((await RunAsync(name)).Result);

        Assert.Equal(StatusCodes.Status422UnprocessableEntity, problem.StatusCode);
        Assert.Contains("not an image in an accepted format", Assert.IsType<ProblemDetails>(problem.Value).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_EmptyOrTooLargeBlob_IsNotServed()
    {
        await UploadAsync(_folder + "empty.png", [], "image/png");
        byte[] large = new byte[1_000_001];
        TinyModelFixture.Photo("rocket").CopyTo(large, 0);
        await UploadAsync(_folder + "large.jpg", large, "image/jpeg");

        var empty = Assert.IsType<ObjectResult>((await RunAsync(_folder + "empty.png")).Result);
        var tooLarge = Assert.IsType<ObjectResult>((await RunAsync(_folder + "large.jpg")).Result);

        Assert.Equal(StatusCodes.Status422UnprocessableEntity, empty.StatusCode);
        Assert.Equal(StatusCodes.Status422UnprocessableEntity, tooLarge.StatusCode);
        Assert.Contains("Captioning__MaxImageBytes", Assert.IsType<ProblemDetails>(tooLarge.Value).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_IfNoneMatchTheBlobsETag_Answers304_AndTheVersionInTheUrlMakesItImmutable()
    {
        string name = _folder + "cached.png";
        BlobClient blob = await UploadAsync(name, TinyModelFixture.Photo("coffee"), "image/png");
        string eTag = (await blob.GetPropertiesAsync()).Value.ETag.ToString();

        (IActionResult notModified, _) = await RunAsync(name, ifNoneMatch: "\"" + ImageVersions.Unquoted(eTag) + "\"");
        (IActionResult pinned, HttpResponse pinnedResponse) = await RunAsync(name, "?v=" + Uri.EscapeDataString(eTag));

        Assert.Equal(StatusCodes.Status304NotModified, Assert.IsType<StatusCodeResult>(notModified).StatusCode);
        await Assert.IsType<FileStreamResult>(pinned).FileStream.DisposeAsync();
        Assert.Equal("private, max-age=31536000, immutable", pinnedResponse.Headers.CacheControl);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../{0}/photo.png")]
    [InlineData("holiday/../../{0}/photo.png")]
    [InlineData("holiday/./photo.png")]
    public async Task Run_NameWithADotSegment_Answers400AndServesNoOtherContainer(string template)
    {
        BlobContainerClient other = azurite.Blobs.GetBlobContainerClient("private-" + Guid.NewGuid().ToString("N")[..8]);
        await other.CreateAsync();
        await other.GetBlobClient("photo.png").UploadAsync(new BinaryData(TinyModelFixture.Photo("rocket")));

        IActionResult result = (await RunAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, other.Name))).Result;

        Assert.Equal(StatusCodes.Status400BadRequest, Assert.IsType<ObjectResult>(result).StatusCode);
    }

    [Fact]
    public async Task Run_NoSuchBlob_Answers404()
    {
        Assert.Equal(StatusCodes.Status404NotFound, Assert.IsType<ObjectResult>((await RunAsync(_folder + "none.png")).Result).StatusCode);
    }

    public void Dispose() => _app.Dispose();

    private async Task<BlobClient> UploadAsync(string name, byte[] bytes, string contentType)
    {
        BlobClient blob = _app.Images.GetBlobClient(name);
        await blob.UploadAsync(new BinaryData(bytes), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } });
        return blob;
    }

    private async Task<(IActionResult Result, HttpResponse Response)> RunAsync(string name, string query = "", string? ifNoneMatch = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = "/api/images/" + name;
        context.Request.QueryString = new QueryString(query);
        if (ifNoneMatch is not null)
        {
            context.Request.Headers.IfNoneMatch = ifNoneMatch;
        }

        IActionResult result = await _app.Function<GetImageFunction>().Run(context.Request, name, CancellationToken.None);
        return (result, context.Response);
    }
}
