using System.Net;
using BlipFunctions.HostTests.Fixtures;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;

namespace BlipFunctions.HostTests.Worker;

/// <summary>
/// The gallery's functions in our built worker, behind the host's router and proxy: the static page functions, the
/// files and streams they answer with, and the security headers, as the real worker sends them.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class GalleryThroughTheWorkerTests(AzuriteFixture azurite, TinyModelFixture model)
{
    [Fact]
    public async Task Worker_ServesThePageItsFilesThumbnailsAndOriginalsWithTheirHeaders()
    {
        string name = "worker-gallery-" + Guid.NewGuid().ToString("N")[..8] + "/chelsea #1.png";
        byte[] photo = TinyModelFixture.Photo("chelsea");
        var images = azurite.Blobs.GetBlobContainerClient("images");
        await images.CreateIfNotExistsAsync();
        await images.GetBlobClient(name).UploadAsync(new BinaryData(photo));
        string table = AzuriteFixture.UniqueTableName();
        azurite.Tables.CreateTableIfNotExists(table);
        await using HostedWorker host = await HostedWorker.StartAsync(new Dictionary<string, string>
        {
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["CaptionStorage"] = azurite.ConnectionString,
            ["Captioning__CaptionsTable"] = table,
            ["Captioning__ModelDirectory"] = model.ModelDirectory,
        });
        string path = string.Join('/', name.Split('/').Select(Uri.EscapeDataString));

        using HttpResponseMessage page = await host.Client.GetAsync("api/gallery");
        using HttpResponseMessage script = await host.Client.GetAsync("api/gallery/gallery.js");
        using HttpResponseMessage thumbnail = await host.Client.GetAsync("api/thumbnails/" + path);
        using HttpResponseMessage original = await host.Client.GetAsync("api/images/" + path);

        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET /api/gallery: {(int)page.StatusCode}{Environment.NewLine}{host.Diagnostics()}");
        Assert.Equal("text/html; charset=utf-8", page.Content.Headers.ContentType?.ToString());
        Assert.Contains("script-src 'self'", string.Join(' ', page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("<script src=\"gallery/gallery.js\" defer></script>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(script.Headers.ETag);
        Assert.True(thumbnail.StatusCode == HttpStatusCode.OK, $"GET /api/thumbnails: {(int)thumbnail.StatusCode}{Environment.NewLine}{host.Diagnostics()}");
        Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0xFF, 0xD8, 0xFF], (await thumbnail.Content.ReadAsByteArrayAsync())[..3]);
        Assert.True(original.StatusCode == HttpStatusCode.OK, $"GET /api/images: {(int)original.StatusCode}{Environment.NewLine}{host.Diagnostics()}");
        Assert.Equal("image/png", original.Content.Headers.ContentType?.MediaType);
        Assert.Equal(photo, await original.Content.ReadAsByteArrayAsync());
        Assert.Equal("nosniff", original.Headers.GetValues("X-Content-Type-Options").Single());

        // The host records an invocation once the proxy has sent the whole answer, a moment after the client has it.
        for (int i = 0; i < 100 && host.Invocations.Count < 4; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(["GalleryPage", "GalleryFile", "GetThumbnail", "GetImage"], host.Invocations.Select(i => i.Function));
        Assert.All(host.Invocations, i => Assert.Equal(StatusResult.Types.Status.Success, i.Response.Result.Status));
    }
}
