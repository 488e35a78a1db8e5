using BlipCaptioning;
using BlipFunctions.Testing;
using BlipFunctions.Functions;
using BlipFunctions.Http;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Tests.Functions;

[Collection(AzuriteTestGroup.Name)]
public sealed class CaptionImageFunctionTests(AzuriteFixture azurite, TinyModelFixture model) : IDisposable
{
    private readonly FunctionsAppHost _app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
        new Dictionary<string, string?> { ["Captioning:MaxImageBytes"] = "200000" });

    [Theory]
    [InlineData("image/png")]
    [InlineData("application/octet-stream")]
    [InlineData(null)]
    public async Task Run_Photo_Answers200WithTheCaptionTheModelGivesAndStoresNothing(string? contentType)
    {
        byte[] photo = TinyModelFixture.Photo("rocket");

        IActionResult result = await _app.Function<CaptionImageFunction>().Run(HttpRequests.Post(photo, contentType), CancellationToken.None);

        var body = Assert.IsType<SyncCaptionResponse>(Assert.IsType<OkObjectResult>(result).Value);
        using var stream = new MemoryStream(photo);
        Caption direct = await _app.Get<IImageCaptioner>().CaptionAsync(stream);
        Assert.Equal(direct.Text, body.Caption);
        Assert.Equal(direct.TokenIds, body.TokenIds);
        Assert.Equal(TinyModelFixture.Source, body.Model.Source);
        Assert.Equal(BlipCaptioning.Model.BlipModelManifest.ReadFile(Path.Combine(model.ModelDirectory, "blip-model.json")).Fingerprint(), body.Model.Fingerprint);
        Assert.Matches("^[0-9a-f]{16}$", body.Model.Fingerprint);
        Assert.Equal(photo.Length, body.Image.Bytes);
        Assert.Equal(direct.Settings.MaxLength, body.Decoding.GetProperty("maxLength").GetInt32());
        Assert.Empty(_app.Rows());
    }

    [Fact]
    public async Task Run_TextBody_Answers415()
    {
        IActionResult result = await _app.Function<CaptionImageFunction>().Run(HttpRequests.Post("hello"u8.ToArray(), "text/plain"), CancellationToken.None);

        AssertProblem(StatusCodes.Status415UnsupportedMediaType, result, "text/plain");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Run_BodyOverTheByteLimit_Answers413WithOrWithoutContentLength(bool sendLength)
    {
        byte[] large = TestImages.RandomBytes(200_001, 3);

        IActionResult result = await _app.Function<CaptionImageFunction>().Run(HttpRequests.Post(large, "image/png", sendLength), CancellationToken.None);

        AssertProblem(StatusCodes.Status413PayloadTooLarge, result, "Captioning__MaxImageBytes");
    }

    [Fact]
    public async Task Run_EmptyBody_Answers400()
    {
        IActionResult result = await _app.Function<CaptionImageFunction>().Run(HttpRequests.Post([], "image/jpeg"), CancellationToken.None);

        AssertProblem(StatusCodes.Status400BadRequest, result, "empty");
    }

    [Fact]
    public async Task Run_BytesThatAreNoImage_Answers400WithTheReason()
    {
        IActionResult result = await _app.Function<CaptionImageFunction>().Run(HttpRequests.Post(TestImages.RandomBytes(5000, 4), "image/jpeg"), CancellationToken.None);

        AssertProblem(StatusCodes.Status400BadRequest, result, "");
    }

    public void Dispose() => _app.Dispose();

    private static void AssertProblem(int status, IActionResult result, string detailMentions)
    {
        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(status, problem.StatusCode);
        var details = Assert.IsType<ProblemDetails>(problem.Value);
        Assert.False(string.IsNullOrWhiteSpace(details.Detail));
        Assert.Contains(detailMentions, details.Detail, StringComparison.OrdinalIgnoreCase);
    }
}
