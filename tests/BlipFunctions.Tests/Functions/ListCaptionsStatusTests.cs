using Azure.Storage.Blobs;
using BlipFunctions.Functions;
using BlipFunctions.Http;
using BlipFunctions.Storage;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Tests.Functions;

/// <summary><c>GET /api/captions?status=</c>: the rows of one status (what the gallery's "Failed" filter shows).</summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class ListCaptionsStatusTests(AzuriteFixture azurite, TinyModelFixture model) : IDisposable
{
    private readonly FunctionsAppHost _app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
    private readonly string _folder = "status-tests-" + Guid.NewGuid().ToString("N")[..8] + "/";

    [Fact]
    public async Task Run_StatusFailed_PagesThroughOnlyTheFailedRowsWithTheirReasons()
    {
        for (int i = 0; i < 5; i++)
        {
            await UploadAndCaptionAsync($"{_folder}good-{i}.png", TestImages.Png(i));
        }

        await UploadAndCaptionAsync(_folder + "bad-a.jpg", "not a photo"u8.ToArray());
        await UploadAndCaptionAsync(_folder + "bad-b.jpg", TestImages.RandomBytes(300, 1));

        var seen = new List<CaptionResponse>();
        string? token = null;
        do
        {
            string query = $"?prefix={Uri.EscapeDataString(_folder)}&status=failed&top=2" + (token is null ? "" : "&continuationToken=" + token);
            var page = Assert.IsType<CaptionListResponse>(Assert.IsType<OkObjectResult>(await ListAsync(query)).Value);
            seen.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal([_folder + "bad-a.jpg", _folder + "bad-b.jpg"], seen.Select(i => i.Id));
        Assert.All(seen, item =>
        {
            Assert.Equal(CaptionStatus.Failed, item.Status);
            Assert.False(string.IsNullOrWhiteSpace(item.FailureReason));
        });
        var succeeded = Assert.IsType<CaptionListResponse>(Assert.IsType<OkObjectResult>(
            await ListAsync($"?prefix={Uri.EscapeDataString(_folder)}&status=succeeded")).Value);
        Assert.Equal(5, succeeded.Items.Count);
    }

    [Theory]
    [InlineData("?status=Failed")]
    [InlineData("?status=done")]
    [InlineData("?status=failed'%20or%20'1'%20eq%20'1")]
    public async Task Run_UnknownStatus_Answers400(string query)
    {
        var problem = Assert.IsType<ObjectResult>(await ListAsync(query));

        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Contains("status must be processing, succeeded or failed", Assert.IsType<ProblemDetails>(problem.Value).Detail, StringComparison.Ordinal);
    }

    public void Dispose() => _app.Dispose();

    private Task<IActionResult> ListAsync(string query) => _app.Function<ListCaptionsFunction>().Run(HttpRequests.List(query), CancellationToken.None);

    private async Task UploadAndCaptionAsync(string name, byte[] bytes)
    {
        BlobClient blob = _app.Images.GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);
        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);
    }
}
