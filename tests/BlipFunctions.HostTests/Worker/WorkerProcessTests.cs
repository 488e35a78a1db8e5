using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using BlipCaptioning.Testing;
using BlipFunctions.Testing;
using BlipFunctions.HostTests.Fixtures;
using BlipFunctions.Tests.Fixtures;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;

namespace BlipFunctions.HostTests.Worker;

/// <summary>
/// Our built worker as the Functions host starts and drives it: a separate process with the host's arguments,
/// environment and working directory, talking the host's FunctionRpc protocol, serving HTTP through the host's proxy.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class WorkerProcessTests(AzuriteFixture azurite, TinyModelFixture model)
{
    [Fact]
    public async Task Worker_StartedAsTheHostStartsIt_ReportsItsFunctionsAndServesEveryRouteThroughTheProxy()
    {
        await using HostedWorker host = await HostedWorker.StartAsync(Settings());

        Assert.StartsWith("http://", host.Init.Capabilities["HttpUri"], StringComparison.Ordinal);
        Assert.Equal(BuiltApp.Functions().Select(f => f.GetProperty("name").GetString()).Order(), host.Functions.Keys.Order());

        using HttpResponseMessage listing = await host.Client.GetAsync("api/captions?top=5");
        using HttpResponseMessage missing = await host.Client.GetAsync("api/captions/holiday/beach%20%231.jpg");
        using var photo = new ByteArrayContent(TinyModelFixture.Photo("chelsea"));
        photo.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using HttpResponseMessage captioned = await host.Client.PostAsync("api/captions", photo);

        Assert.True(listing.StatusCode == HttpStatusCode.OK, $"GET /api/captions: {(int)listing.StatusCode}{Environment.NewLine}{host.Diagnostics()}");
        using (JsonDocument page = JsonDocument.Parse(await listing.Content.ReadAsStringAsync()))
        {
            Assert.Equal(JsonValueKind.Array, page.RootElement.GetProperty("items").ValueKind);
        }

        Assert.True(missing.StatusCode == HttpStatusCode.NotFound, $"GET /api/captions/holiday/beach%20%231.jpg: {(int)missing.StatusCode}{Environment.NewLine}{host.Diagnostics()}");
        Assert.Contains("No blob named 'holiday/beach #1.jpg'", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(captioned.StatusCode == HttpStatusCode.OK, $"POST /api/captions: {(int)captioned.StatusCode}{Environment.NewLine}{host.Diagnostics()}");
        using (JsonDocument caption = JsonDocument.Parse(await captioned.Content.ReadAsStringAsync()))
        {
            Assert.False(string.IsNullOrWhiteSpace(caption.RootElement.GetProperty("caption").GetString()));
        }

        Assert.Equal(["ListCaptions", "GetCaption", "CaptionImage"], host.Invocations.Select(i => i.Function));
        Assert.All(host.Invocations, i => Assert.Equal(StatusResult.Types.Status.Success, i.Response.Result.Status));
    }

    [Fact]
    public async Task Post_BodiesOverKestrels30MillionBytes_AreAnsweredByOurOwnLimit()
    {
        const int limit = 40_000_000;
        await using HostedWorker host = await HostedWorker.StartAsync(Settings(("Captioning__MaxImageBytes", limit.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        using HttpResponseMessage under = await host.Client.PostAsync("api/captions", Body(31_000_000, chunked: false));
        using HttpResponseMessage over = await host.Client.PostAsync("api/captions", Body(45_000_000, chunked: false));
        using HttpResponseMessage overChunked = await host.Client.PostAsync("api/captions", Body(45_000_000, chunked: true));

        Assert.True(under.StatusCode == HttpStatusCode.BadRequest, $"31,000,000 bytes: {(int)under.StatusCode} {await under.Content.ReadAsStringAsync()}{Environment.NewLine}{host.Diagnostics()}");
        Assert.Contains("Not an image we can caption", await under.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(over.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"45,000,000 bytes: {(int)over.StatusCode}{Environment.NewLine}{host.Diagnostics()}");
        Assert.Contains("Captioning__MaxImageBytes", await over.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(overChunked.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"45,000,000 bytes chunked: {(int)overChunked.StatusCode}{Environment.NewLine}{host.Diagnostics()}");
        Assert.Contains("Captioning__MaxImageBytes", await overChunked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_WithASettingsMistake_StopsWithItsMessageInsteadOfHanging()
    {
        WorkerExitedException exited = await Assert.ThrowsAsync<WorkerExitedException>(() => HostedWorker.StartAsync(Settings(("Captioning__MaxConcurrency", "0"))));

        Assert.Contains("Captioning:MaxConcurrency is 0", exited.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_WithTheSampleSettingsAsWritten_NamesTheModelSettingAndTheAbsolutePathToUse()
    {
        using JsonDocument sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "local.settings.sample.json")));
        Dictionary<string, string> values = sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

        WorkerExitedException exited = await Assert.ThrowsAsync<WorkerExitedException>(() => HostedWorker.StartAsync(values));

        Assert.Contains("Captioning__ModelDirectory", exited.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(RepositoryPaths.Root, "models", "blip-image-captioning-base"), exited.Message, StringComparison.Ordinal);
        Assert.Contains("absolute path", exited.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Settings(params (string Name, string Value)[] changes)
    {
        string table = AzuriteFixture.UniqueTableName();
        azurite.Tables.CreateTableIfNotExists(table);
        var settings = new Dictionary<string, string>
        {
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["CaptionStorage"] = azurite.ConnectionString,
            ["Captioning__CaptionsTable"] = table,
            ["Captioning__ModelDirectory"] = model.ModelDirectory,
            ["Captioning__IntraOpThreads"] = "1",
        };
        foreach ((string name, string value) in changes)
        {
            settings[name] = value;
        }

        return settings;
    }

    private static HttpContent Body(int length, bool chunked)
    {
        var content = new ByteArrayContent(TestImages.RandomBytes(length, length));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (chunked)
        {
            return new ChunkedContent(content);
        }

        return content;
    }

    /// <summary>The same bytes without a Content-Length, so they travel chunked.</summary>
    private sealed class ChunkedContent(HttpContent inner) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => inner.CopyToAsync(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
