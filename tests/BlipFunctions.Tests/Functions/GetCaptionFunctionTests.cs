using System.Text.Json;
using Azure.Storage.Blobs;
using BlipFunctions.Testing;
using BlipFunctions.Captioning;
using BlipFunctions.Functions;
using BlipFunctions.Http;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Tests.Functions;

[Collection(AzuriteTestGroup.Name)]
public sealed class GetCaptionFunctionTests(AzuriteFixture azurite, TinyModelFixture model) : IDisposable
{
    private readonly FunctionsAppHost _app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
    private readonly string _folder = "get-tests-" + Guid.NewGuid().ToString("N")[..8] + "/";

    [Fact]
    public async Task Run_CaptionedBlob_Answers200WithCaptionStatusModelImageAndTimings()
    {
        string name = _folder + "holiday/beach.jpg";
        await CaptionAsync(name, TinyModelFixture.Photo("rocket"));

        var (request, id) = HttpRequests.Get(HttpRequests.UrlPathFor(name));
        IActionResult result = await _app.Function<GetCaptionFunction>().Run(request, id, CancellationToken.None);

        var body = Assert.IsType<CaptionResponse>(Assert.IsType<OkObjectResult>(result).Value);
        Assert.Equal(name, body.Id);
        Assert.Equal("succeeded", body.Status);
        Assert.False(string.IsNullOrWhiteSpace(body.Caption));
        Assert.Equal(TinyModelFixture.Source, body.Model!.Source);
        Assert.Equal(20, body.Decoding!.Value.GetProperty("maxLength").GetInt32());
        Assert.True(body.Image.Width > 0);
        Assert.StartsWith("\"0x", body.Image.ETag, StringComparison.Ordinal);
        Assert.True(body.Timings!.TotalMs > 0);
        Assert.True(body.UpdatedAt >= body.CreatedAt);

        using JsonDocument json = JsonDocument.Parse(JsonSerializer.Serialize(body, CaptionJson.Options));
        foreach (string property in new[] { "id", "status", "caption", "keywords", "model", "decoding", "image", "timings", "createdAt", "updatedAt" })
        {
            Assert.True(json.RootElement.TryGetProperty(property, out _), property);
        }
    }

    [Fact]
    public async Task Run_BlobBeingCaptioned_Answers202ThenTheResult()
    {
        GatedCaptionerTestDouble? gate = null;
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory, services:
            CaptionerDoubles.Wrap(inner => gate = new GatedCaptionerTestDouble(inner)));
        string name = _folder + "slow.png";
        BlobClient blob = app.Images.GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(11)));
        var service = app.Get<BlobCaptioningService>();
        Task<CaptionOutcome> captioning = Task.Run(() => service.CaptionBlobAsync(blob, CancellationToken.None));
        await gate!.FirstCallWaiting.WaitAsync(TimeSpan.FromSeconds(60));
        var function = app.Function<GetCaptionFunction>();

        var (request, id) = HttpRequests.Get(HttpRequests.UrlPathFor(name));
        IActionResult during = await function.Run(request, id, CancellationToken.None);
        gate.Open();
        await captioning.WaitAsync(TimeSpan.FromSeconds(60));
        var (again, sameId) = HttpRequests.Get(HttpRequests.UrlPathFor(name));
        IActionResult after = await function.Run(again, sameId, CancellationToken.None);

        var accepted = Assert.IsType<AcceptedResult>(during);
        Assert.Equal("processing", Assert.IsType<CaptionResponse>(accepted.Value).Status);
        Assert.Equal("2", request.HttpContext.Response.Headers.RetryAfter.ToString());
        Assert.Equal("succeeded", Assert.IsType<CaptionResponse>(Assert.IsType<OkObjectResult>(after).Value).Status);
    }

    [Fact]
    public async Task Run_IdWithEncodedFolderSlashes_FindsTheBlob()
    {
        string name = _folder + "holiday/encoded slashes.png";
        await CaptionAsync(name, TestImages.Png(12));

        var (request, id) = HttpRequests.Get(HttpRequests.CaptionsPath + Uri.EscapeDataString(name));
        IActionResult result = await _app.Function<GetCaptionFunction>().Run(request, id, CancellationToken.None);

        Assert.Contains("%2F", id, StringComparison.Ordinal);
        Assert.Equal(name, Assert.IsType<CaptionResponse>(Assert.IsType<OkObjectResult>(result).Value).Id);
    }

    [Fact]
    public async Task Run_UnknownId_Answers404ProblemSayingWhatToCheck()
    {
        var (request, id) = HttpRequests.Get(HttpRequests.UrlPathFor(_folder + "never-uploaded.jpg"));

        IActionResult result = await _app.Function<GetCaptionFunction>().Run(request, id, CancellationToken.None);

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status404NotFound, problem.StatusCode);
        Assert.Contains("images", Assert.IsType<ProblemDetails>(problem.Value).Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string> MalformedIds() => new()
    {
        "",
        "folder\\file.jpg",
        "ends-with-dot.",
        "folder/",
        new string('x', 1025),
    };

    [Theory]
    [MemberData(nameof(MalformedIds))]
    public async Task Run_IdNoBlobCanHave_Answers400ProblemSayingWhy(string id)
    {
        var (request, _) = HttpRequests.Get(HttpRequests.CaptionsPath);

        IActionResult result = await _app.Function<GetCaptionFunction>().Run(request, id, CancellationToken.None);

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(Assert.IsType<ProblemDetails>(problem.Value).Detail));
        Assert.Contains("application/problem+json", problem.ContentTypes);
    }

    public static TheoryData<string> Names() => SpecialBlobNames.Theory();

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Run_BlobNameWithSpecialCharacters_RoundTripsThroughTheUrlId(string special)
    {
        string name = _folder + special;
        name = name.Length > 1024 ? name[..1023] + "z" : name;
        await CaptionAsync(name, TestImages.Png(name.Length));

        var (request, id) = HttpRequests.Get(HttpRequests.UrlPathFor(name));
        IActionResult result = await _app.Function<GetCaptionFunction>().Run(request, id, CancellationToken.None);

        Assert.Equal(name, id);
        Assert.True(result is OkObjectResult, $"{(result as ObjectResult)?.StatusCode}: {((result as ObjectResult)?.Value as ProblemDetails)?.Detail}");
        var body = Assert.IsType<CaptionResponse>(((OkObjectResult)result).Value);
        Assert.Equal(name, body.Id);
        Assert.Equal("succeeded", body.Status);
    }

    public void Dispose() => _app.Dispose();

    private async Task CaptionAsync(string name, byte[] image)
    {
        BlobClient blob = _app.Images.GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromBytes(image), overwrite: true);
        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);
    }
}
