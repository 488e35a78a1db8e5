using BlipFunctions.Testing;
using System.Text.Json;
using Azure.Storage.Blobs;
using BlipFunctions.Captioning;
using BlipFunctions.Functions;
using BlipFunctions.Http;
using BlipFunctions.Storage;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Tests.Functions;

/// <summary><c>GET /api/captions?keyword=</c> through the keyword index, kept exact by re-captioning and failures.</summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class KeywordSearchTests : IDisposable
{
    private readonly FunctionsAppHost _app;
    private readonly ScriptedCaptionTextTestDouble _captions;
    private int _seed;

    public KeywordSearchTests(AzuriteFixture azurite, TinyModelFixture model)
    {
        _app = FunctionsAppHost.Create(azurite, model.ModelDirectory, services: CaptionerDoubles.Wrap(inner => new ScriptedCaptionTextTestDouble(inner)));
        _captions = _app.Get<ScriptedCaptionTextTestDouble>();
    }

    [Fact]
    public async Task Run_SeveralKeywords_AnswersExactlyTheCaptionsHavingEveryOne()
    {
        await CaptionAsync("a/dog-beach.png", "a dog running on the beach");
        await CaptionAsync("a/dog-snow.png", "a dog in the snow");
        await CaptionAsync("b/cat-beach.png", "a cat sleeping on the beach");
        await CaptionAsync("b/dog-beach-ball.png", "dog with a ball at the beach");

        Assert.Equal(["a/dog-beach.png", "a/dog-snow.png", "b/dog-beach-ball.png"], await SearchAsync("?keyword=dog"));
        Assert.Equal(["a/dog-beach.png", "b/dog-beach-ball.png"], await SearchAsync("?keyword=dog&keyword=beach"));
        Assert.Equal(["a/dog-beach.png", "b/dog-beach-ball.png"], await SearchAsync("?keyword=beach&keyword=DOG"));
        Assert.Equal(["b/cat-beach.png"], await SearchAsync("?keyword=beach&keyword=cat"));
        Assert.Empty(await SearchAsync("?keyword=cat&keyword=snow"));
        Assert.Equal(["b/dog-beach-ball.png"], await SearchAsync("?keyword=dog&keyword=beach&prefix=b/"));
    }

    [Fact]
    public async Task Run_SearchInPagesOfOne_PagesThroughEveryHitOnceWithContinuationTokens()
    {
        string[] names = ["p/1.png", "p/2 #x.png", "p/3?.png", "p/ü.png", "q/5.png"];
        foreach (string name in names)
        {
            await CaptionAsync(name, "a red bus in the city");
        }

        await CaptionAsync("p/other.png", "a red car in the city");
        var seen = new List<string>();
        string? token = null;
        int pages = 0;
        do
        {
            CaptionListResponse page = await PageAsync("?keyword=bus&keyword=city&top=1" + (token is null ? "" : "&continuationToken=" + token));
            Assert.InRange(page.Items.Count, 0, 1);
            seen.AddRange(page.Items.Select(i => i.Id));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(names.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.True(pages >= names.Length);
    }

    [Fact]
    public async Task Run_Hit_AnswersTheWholeCaptionAsGetDoes()
    {
        await CaptionAsync("whole.png", "a dog on a skateboard");

        CaptionResponse hit = Assert.Single((await PageAsync("?keyword=skateboard")).Items);

        CaptionEntity row = Assert.Single(_app.Rows());
        Assert.Equal(JsonSerializer.Serialize(CaptionResponse.FromRow(row)), JsonSerializer.Serialize(hit));
        Assert.Equal(["dog", "skateboard"], hit.Keywords);
    }

    [Fact]
    public async Task Run_AfterReCaptioning_FindsTheNewCaptionOnlyAndLeavesNoStaleEntries()
    {
        BlobClient blob = await CaptionAsync("recaptioned.png", "a dog on the beach");
        Assert.Single(await SearchAsync("?keyword=dog"));

        await CaptionAsync("recaptioned.png", "a cat in the snow");

        Assert.Empty(await SearchAsync("?keyword=dog"));
        Assert.Empty(await SearchAsync("?keyword=beach"));
        Assert.Equal([blob.Name], await SearchAsync("?keyword=cat&keyword=snow"));
        Assert.Equal(2, _app.KeywordEntries().Count);
    }

    [Fact]
    public async Task Run_AfterTheBlobBecomesUncaptionable_FindsNothingAndTheIndexIsEmpty()
    {
        BlobClient blob = await CaptionAsync("broken.png", "a dog on the beach");

        await blob.UploadAsync(BinaryData.FromString("not an image"), overwrite: true);
        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);

        Assert.Equal(CaptionStatus.Failed, Assert.Single(_app.Rows()).Status);
        Assert.Empty(await SearchAsync("?keyword=dog"));
        Assert.Empty(_app.KeywordEntries());
    }

    [Fact]
    public async Task Run_IndexingCutShortAfterTheRowWasWritten_TheReplayedEventIndexesIt()
    {
        BlobClient blob = await CaptionAsync("cut-short.png", "a dog on the beach");
        var store = _app.Get<CaptionStore>();
        CaptionEntity row = Assert.Single(_app.Rows());
        await store.Keywords.RemoveAsync(row, CancellationToken.None);
        row.KeywordsIndexed = false;
        Assert.NotNull(await store.TryReplaceAsync(row, row.ETag, CancellationToken.None));
        Assert.Empty(await SearchAsync("?keyword=dog"));

        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);

        Assert.Equal([blob.Name], await SearchAsync("?keyword=dog&keyword=beach"));
        Assert.True(Assert.Single(_app.Rows()).KeywordsIndexed);
    }

    [Theory]
    [InlineData("?keyword=the")]
    [InlineData("?keyword=")]
    [InlineData("?keyword=dog%20beach")]
    [InlineData("?keyword=a&keyword=dog")]
    [InlineData("?keyword=%E6%97%A5%E6%9C%AC")]
    [InlineData("?keyword=1&keyword=2&keyword=3&keyword=4&keyword=5&keyword=6&keyword=7&keyword=8&keyword=9")]
    public async Task Run_BadKeyword_Answers400ProblemNamingTheKeywordRule(string query)
    {
        IActionResult result = await _app.Function<ListCaptionsFunction>().Run(HttpRequests.List(query), CancellationToken.None);

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Equal("Bad keyword", Assert.IsType<ProblemDetails>(problem.Value).Title);
    }

    [Theory]
    [InlineData("failed")]
    [InlineData("processing")]
    public async Task Run_KeywordWithAStatusOtherThanSucceeded_Answers400SayingSearchFindsSucceededCaptionsOnly(string status)
    {
        IActionResult result = await _app.Function<ListCaptionsFunction>().Run(HttpRequests.List($"?keyword=dog&status={status}"), CancellationToken.None);

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Contains("succeeded captions only", Assert.IsType<ProblemDetails>(problem.Value).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_KeywordWithStatusSucceeded_SearchesAsWithoutIt()
    {
        string folder = "status-" + Guid.NewGuid().ToString("N")[..8];
        await CaptionAsync(folder + "/dog.png", "a dog with a frisbee on a lawn");

        Assert.Equal([folder + "/dog.png"], await SearchAsync($"?keyword=frisbee&status=succeeded&prefix={folder}/"));
    }

    [Fact]
    public async Task Run_KeywordLongerThanTheLimit_Answers400BeforeAskingStorage()
    {
        IActionResult result = await _app.Function<ListCaptionsFunction>().Run(
            HttpRequests.List("?keyword=" + new string('x', CaptionKeywordIndex.MaxKeywordLength + 1)), CancellationToken.None);

        Assert.Equal(StatusCodes.Status400BadRequest, Assert.IsType<ObjectResult>(result).StatusCode);
    }

    public void Dispose() => _app.Dispose();

    private async Task<BlobClient> CaptionAsync(string name, string caption)
    {
        byte[] image = TestImages.Png(Interlocked.Increment(ref _seed));
        _captions.Say(image, caption);
        BlobClient blob = _app.Images.GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromBytes(image), overwrite: true);
        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);
        return blob;
    }

    private async Task<List<string>> SearchAsync(string query)
    {
        var names = new List<string>();
        string? token = null;
        do
        {
            CaptionListResponse page = await PageAsync(query + (token is null ? "" : "&continuationToken=" + token));
            Assert.All(page.Items, item => Assert.Equal(CaptionStatus.Succeeded, item.Status));
            names.AddRange(page.Items.Select(i => i.Id));
            token = page.ContinuationToken;
        }
        while (token is not null);

        return names;
    }

    private async Task<CaptionListResponse> PageAsync(string query)
    {
        IActionResult result = await _app.Function<ListCaptionsFunction>().Run(HttpRequests.List(query), CancellationToken.None);
        return Assert.IsType<CaptionListResponse>(Assert.IsType<OkObjectResult>(result).Value);
    }
}
