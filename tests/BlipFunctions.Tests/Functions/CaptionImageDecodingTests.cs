using BlipCaptioning;
using BlipFunctions.Captioning;
using BlipFunctions.Functions;
using BlipFunctions.Http;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Tests.Functions;

/// <summary><c>POST /api/captions?prompt=&amp;max_new_tokens=&amp;num_beams=</c>: transformers' decoding choices, bounded.</summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class CaptionImageDecodingTests(AzuriteFixture azurite, TinyModelFixture model) : IDisposable
{
    private readonly FunctionsAppHost _app = FunctionsAppHost.Create(azurite, model.ModelDirectory);

    [Fact]
    public async Task Run_PromptMaxNewTokensAndNumBeams_CaptionsWithThemAndRecordsThem()
    {
        byte[] photo = TinyModelFixture.Photo("chelsea");

        IActionResult result = await RunAsync(photo, "?prompt=a%20picture%20of&max_new_tokens=7&num_beams=3&code=some-key");

        var body = Assert.IsType<SyncCaptionResponse>(Assert.IsType<OkObjectResult>(result).Value);
        CaptionSettings defaults = await DefaultSettingsAsync();
        using var stream = new MemoryStream(photo);
        Caption direct = await _app.Get<IImageCaptioner>().CaptionAsync(stream, defaults with { Prompt = "a picture of", MaxNewTokens = 7, NumBeams = 3 });
        Assert.Equal(direct.Text, body.Caption);
        Assert.Equal(direct.TokenIds, body.TokenIds);
        Assert.StartsWith("a picture of", body.Caption, StringComparison.Ordinal);
        Assert.Equal("a picture of", body.Decoding.GetProperty("prompt").GetString());
        Assert.Equal(7, body.Decoding.GetProperty("maxNewTokens").GetInt32());
        Assert.Equal(3, body.Decoding.GetProperty("numBeams").GetInt32());
    }

    [Fact]
    public async Task Run_NoParameters_UsesTheAppsSettingsAsBefore()
    {
        byte[] photo = TinyModelFixture.Photo("chelsea");

        IActionResult result = await RunAsync(photo, "");

        var body = Assert.IsType<SyncCaptionResponse>(Assert.IsType<OkObjectResult>(result).Value);
        CaptionSettings defaults = await DefaultSettingsAsync();
        using var stream = new MemoryStream(photo);
        Assert.Equal((await _app.Get<IImageCaptioner>().CaptionAsync(stream, defaults)).Text, body.Caption);
        Assert.Equal(defaults.NumBeams, body.Decoding.GetProperty("numBeams").GetInt32());
    }

    [Theory]
    [InlineData("?num_beams=0", "num_beams must be a whole number from 1 to 8")]
    [InlineData("?num_beams=9", "num_beams must be a whole number from 1 to 8")]
    [InlineData("?num_beams=two", "num_beams must be a whole number from 1 to 8")]
    [InlineData("?max_new_tokens=0", "max_new_tokens must be a whole number from 1 to 100")]
    [InlineData("?max_new_tokens=101", "max_new_tokens must be a whole number from 1 to 100")]
    [InlineData("?max_new_tokens=-5", "max_new_tokens must be a whole number from 1 to 100")]
    [InlineData("?max_new_tokens=1e3", "max_new_tokens must be a whole number from 1 to 100")]
    [InlineData("?max_length=30", "Unknown query parameter 'max_length'")]
    [InlineData("?num_beams=2&num_beams=3", "given 2 times")]
    [InlineData("?prompt=a%0Apicture", "control characters")]
    public async Task Run_BadDecodingParameter_Answers400NamingIt(string query, string detail)
    {
        IActionResult result = await RunAsync(TinyModelFixture.Photo("rocket"), query);

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Contains(detail, Assert.IsType<ProblemDetails>(problem.Value).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PromptOverTheLimit_Answers400()
    {
        string prompt = new('a', DecodingParameters.MaxPromptLength + 1);

        IActionResult result = await RunAsync(TinyModelFixture.Photo("rocket"), "?prompt=" + prompt);

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Contains($"keep it to {DecodingParameters.MaxPromptLength}", Assert.IsType<ProblemDetails>(problem.Value).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_LongestPromptAndMostTokensAndBeams_AreCaptioned()
    {
        string prompt = string.Join(' ', Enumerable.Repeat("dog", DecodingParameters.MaxPromptLength / 4));

        IActionResult result = await RunAsync(TinyModelFixture.Photo("rocket"),
            $"?prompt={prompt}&max_new_tokens={DecodingParameters.MaxNewTokensLimit}&num_beams={DecodingParameters.MaxBeams}");

        var body = Assert.IsType<SyncCaptionResponse>(Assert.IsType<OkObjectResult>(result).Value);
        Assert.StartsWith(prompt, body.Caption, StringComparison.Ordinal);
    }

    public void Dispose() => _app.Dispose();

    private Task<IActionResult> RunAsync(byte[] photo, string query)
    {
        HttpRequest request = HttpRequests.Post(photo, "image/png");
        request.QueryString = new QueryString(query);
        return _app.Function<CaptionImageFunction>().Run(request, CancellationToken.None);
    }

    /// <summary>The settings a caption without any gets: the captioner records them in each <see cref="Caption"/>.</summary>
    private async Task<CaptionSettings> DefaultSettingsAsync()
    {
        using var stream = new MemoryStream(TinyModelFixture.Photo("rocket"));
        return (await _app.Get<IImageCaptioner>().CaptionAsync(stream)).Settings;
    }
}
