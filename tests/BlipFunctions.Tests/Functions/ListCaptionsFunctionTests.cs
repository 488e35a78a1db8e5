using System.Buffers.Text;
using System.Text;
using Azure.Storage.Blobs;
using BlipFunctions.Testing;
using BlipFunctions.Functions;
using BlipFunctions.Http;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Tests.Functions;

[Collection(AzuriteTestGroup.Name)]
public sealed class ListCaptionsFunctionTests(AzuriteFixture azurite, TinyModelFixture model) : IDisposable
{
    private readonly FunctionsAppHost _app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
    private readonly string _folder = "list-tests-" + Guid.NewGuid().ToString("N")[..8] + "/";

    [Fact]
    public async Task Run_PrefixAndTop_PagesThroughExactlyThoseCaptionsWithContinuationTokens()
    {
        string[] holiday = ["holiday/a.png", "holiday/b #2.png", "holiday/c?.png", "holiday/ü.png", "holiday/deep/e.png"];
        foreach (string name in holiday.Append("work/x.png").Append("holidays.png"))
        {
            await CaptionAsync(_folder + name);
        }

        var seen = new List<string>();
        string? token = null;
        int pages = 0;
        do
        {
            string query = $"?prefix={Uri.EscapeDataString(_folder + "holiday/")}&top=2" + (token is null ? "" : $"&continuationToken={token}");
            IActionResult result = await _app.Function<ListCaptionsFunction>().Run(HttpRequests.List(query), CancellationToken.None);
            var page = Assert.IsType<CaptionListResponse>(Assert.IsType<OkObjectResult>(result).Value);
            Assert.InRange(page.Items.Count, 0, 2);
            Assert.All(page.Items, item => Assert.Equal("succeeded", item.Status));
            seen.AddRange(page.Items.Select(i => i.Id));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(holiday.Select(n => _folder + n).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.True(pages >= 3);
    }

    [Fact]
    public async Task Run_NoQuery_ListsEveryCaptionOfTheContainer()
    {
        await CaptionAsync(_folder + "only.png");

        IActionResult result = await _app.Function<ListCaptionsFunction>().Run(HttpRequests.List(""), CancellationToken.None);

        var page = Assert.IsType<CaptionListResponse>(Assert.IsType<OkObjectResult>(result).Value);
        Assert.Equal([_folder + "only.png"], page.Items.Select(i => i.Id));
        Assert.Null(page.ContinuationToken);
    }

    [Theory]
    [InlineData("?top=0")]
    [InlineData("?top=1001")]
    [InlineData("?top=ten")]
    [InlineData("?top=-1")]
    [InlineData("?continuationToken=not*a*token")]
    public async Task Run_BadQuery_Answers400Problem(string query)
    {
        IActionResult result = await _app.Function<ListCaptionsFunction>().Run(HttpRequests.List(query), CancellationToken.None);

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.IsType<ProblemDetails>(problem.Value);
    }

    public static TheoryData<string, string> ForgedTokens() => new()
    {
        { "no space", Base64Url.EncodeToString("garbage"u8) },
        { "empty row key", Base64Url.EncodeToString("aW1hZ2Vz "u8) },
        { "two spaces", Base64Url.EncodeToString("aW1hZ2Vz  eg=="u8) },
        { "control character", Base64Url.EncodeToString("aW1hZ2Vz e\ng=="u8) },
        { "not ASCII", Base64Url.EncodeToString("aW1hZ2Vz \u00e9"u8) },
        { "key over 2 KiB", Base64Url.EncodeToString(Encoding.ASCII.GetBytes("aW1hZ2Vz " + new string('a', 3000))) },
        { "20,000 characters", new string('A', 20_000) },
        { "padding", "YQ==" },
    };

    [Theory]
    [MemberData(nameof(ForgedTokens))]
    public async Task Run_ForgedContinuationToken_Answers400BeforeAskingStorage(string forgery, string token)
    {
        // A 20,000-character token used to reach the table service, whose 431 escaped as a 500.
        IActionResult result = await _app.Function<ListCaptionsFunction>().Run(HttpRequests.List("?continuationToken=" + token), CancellationToken.None);

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.True(problem.StatusCode == StatusCodes.Status400BadRequest, forgery);
        Assert.Equal("Bad continuationToken", Assert.IsType<ProblemDetails>(problem.Value).Title);
    }

    [Fact]
    public async Task Run_PrefixTooLongToSearch_Answers400Problem()
    {
        string query = "?prefix=" + Uri.EscapeDataString(new string('/', 300));

        IActionResult result = await _app.Function<ListCaptionsFunction>().Run(HttpRequests.List(query), CancellationToken.None);

        Assert.Equal(StatusCodes.Status400BadRequest, Assert.IsType<ObjectResult>(result).StatusCode);
    }

    public void Dispose() => _app.Dispose();

    private async Task CaptionAsync(string name)
    {
        BlobClient blob = _app.Images.GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(name.Length)), overwrite: true);
        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);
    }
}
