using System.Reflection;
using System.Text.Json;
using BlipCaptioning.Testing;
using BlipFunctions.Tests.Fixtures;

namespace BlipFunctions.Tests.Functions;

/// <summary>What the build tells the Functions host: functions.metadata, host.json and worker.config.json.</summary>
public sealed class FunctionsMetadataTests
{
    private static readonly string s_appOutput = Path.Combine(RepositoryPaths.Root, "src", "BlipFunctions", "bin",
        typeof(FunctionsMetadataTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration, "net10.0");

    [Fact]
    public void CaptionBlob_IsAnEventGridBlobTriggerOnImagesThroughCaptionStorage()
    {
        JsonElement binding = Trigger("CaptionBlob");

        Assert.Equal("blobTrigger", binding.GetProperty("type").GetString());
        Assert.Equal("images/{name}", binding.GetProperty("path").GetString());
        Assert.Equal("EventGrid", binding.GetProperty("source").GetString());
        Assert.Equal("CaptionStorage", binding.GetProperty("connection").GetString());
        Assert.Equal("BlipFunctions.Functions.CaptionBlobFunction.Run", Function("CaptionBlob").GetProperty("entryPoint").GetString());
    }

    [Fact]
    public void BlobDeleted_IsAQueueTriggerOnBlobDeletionsThroughCaptionStorage()
    {
        JsonElement binding = Trigger("BlobDeleted");

        Assert.Equal("queueTrigger", binding.GetProperty("type").GetString());
        Assert.Equal("blob-deletions", binding.GetProperty("queueName").GetString());
        Assert.Equal("CaptionStorage", binding.GetProperty("connection").GetString());
    }

    [Theory]
    [InlineData("CaptionQueuedBlob", "caption-requests")]
    [InlineData("ContinueReconcile", "reconcile-runs")]
    public void ReconcileQueueFunctions_AreQueueTriggersThroughCaptionStorage(string name, string queue)
    {
        JsonElement binding = Trigger(name);

        Assert.Equal("queueTrigger", binding.GetProperty("type").GetString());
        Assert.Equal(queue, binding.GetProperty("queueName").GetString());
        Assert.Equal("CaptionStorage", binding.GetProperty("connection").GetString());
    }

    [Fact]
    public void ReconcileTimer_IsATimerTriggerAtThreeEveryNight()
    {
        JsonElement binding = Trigger("ReconcileTimer");

        Assert.Equal("timerTrigger", binding.GetProperty("type").GetString());
        Assert.Equal("0 0 3 * * *", binding.GetProperty("schedule").GetString());
    }

    [Fact]
    public void HostJson_QueueTriggersTakeTwoMessagesAtATime()
    {
        // Flex Consumption aims at one instance per batchSize waiting messages; an instance captions one image at a
        // time (Captioning__MaxConcurrency), so a large batch would only make messages wait in memory.
        using JsonDocument host = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_appOutput, "host.json")));
        JsonElement queues = host.RootElement.GetProperty("extensions").GetProperty("queues");

        Assert.Equal((2, 0), (queues.GetProperty("batchSize").GetInt32(), queues.GetProperty("newBatchThreshold").GetInt32()));
    }

    [Fact]
    public void HostJson_QueueMessagesAreHandedOverAsTheyAre()
    {
        using JsonDocument host = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_appOutput, "host.json")));

        Assert.Equal("none", host.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("messageEncoding").GetString());
    }

    [Theory]
    [InlineData("GetCaption", "get", "captions/{*id:minlength(1)}")]
    [InlineData("ListCaptions", "get", "captions")]
    [InlineData("CaptionImage", "post", "captions")]
    [InlineData("GalleryPage", "get", "gallery")]
    [InlineData("GetThumbnail", "get", "thumbnails/{*id:minlength(1)}")]
    [InlineData("GetImage", "get", "images/{*id:minlength(1)}")]
    [InlineData("StartReconcile", "post", "reconcile")]
    [InlineData("GetReconcile", "get", "reconcile/{id}")]
    [InlineData("ResumeReconcile", "post", "reconcile/{id}")]
    public void HttpFunctions_HaveTheirRouteMethodAndFunctionLevelKeys(string name, string method, string route)
    {
        JsonElement binding = Trigger(name);

        Assert.Equal("httpTrigger", binding.GetProperty("type").GetString());
        Assert.Equal(route, binding.GetProperty("route").GetString());
        Assert.Equal([method], binding.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("Function", binding.GetProperty("authLevel").GetString());
    }

    [Fact]
    public void Health_IsAnAnonymousGetOnHealth()
    {
        JsonElement binding = Trigger("Health");

        Assert.Equal("httpTrigger", binding.GetProperty("type").GetString());
        Assert.Equal("health", binding.GetProperty("route").GetString());
        Assert.Equal(["get"], binding.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("Anonymous", binding.GetProperty("authLevel").GetString());
    }

    [Fact]
    public void GalleryFileAndHealth_AreTheOnlyAnonymousFunctions()
    {
        JsonElement binding = Trigger("GalleryFile");

        Assert.Equal("gallery/{file}", binding.GetProperty("route").GetString());
        Assert.Equal(["get"], binding.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("Anonymous", binding.GetProperty("authLevel").GetString());
        Assert.Equal(["GalleryFile", "Health"], Functions()
            .Where(f => f.GetProperty("bindings").EnumerateArray().Any(b => b.TryGetProperty("authLevel", out JsonElement level) && level.GetString() != "Function"))
            .Select(f => f.GetProperty("name").GetString()).Order());
    }

    [Fact]
    public void Metadata_ListsExactlyTheSixteenFunctions()
    {
        Assert.Equal(["BlobDeleted", "CaptionBlob", "CaptionImage", "CaptionQueuedBlob", "ContinueReconcile", "GalleryFile", "GalleryPage", "GetCaption",
            "GetImage", "GetReconcile", "GetThumbnail", "Health", "ListCaptions", "ReconcileTimer", "ResumeReconcile", "StartReconcile"],
            Functions().Select(f => f.GetProperty("name").GetString()).Order());
    }

    [Fact]
    public void HostJson_InTheOutputIsTheRepositoryRootsWithBoundedBlobParallelism()
    {
        string root = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "host.json"));
        string output = File.ReadAllText(Path.Combine(s_appOutput, "host.json"));

        Assert.Equal(root, output);
        using JsonDocument host = JsonDocument.Parse(output);
        Assert.Equal("2.0", host.RootElement.GetProperty("version").GetString());
        JsonElement blobs = host.RootElement.GetProperty("extensions").GetProperty("blobs");
        Assert.InRange(blobs.GetProperty("maxDegreeOfParallelism").GetInt32(), 1, 4);
        Assert.Equal("api", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    [Fact]
    public void HostJson_TelemetryMode_IsOpenTelemetry()
    {
        // The host then exports its own spans and logs with OpenTelemetry too (docs/operations.md), correlated with the worker's.
        using JsonDocument host = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "host.json")));

        Assert.Equal("OpenTelemetry", host.RootElement.GetProperty("telemetryMode").GetString());
        Assert.False(host.RootElement.GetProperty("logging").TryGetProperty("applicationInsights", out _),
            "logging.applicationInsights configures the Application Insights SDK mode, which telemetryMode OpenTelemetry turns off.");
    }

    [Fact]
    public void WorkerConfig_StartsTheAppAsADotnetIsolatedWorker()
    {
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_appOutput, "worker.config.json")));

        JsonElement description = config.RootElement.GetProperty("description");
        Assert.Equal("dotnet-isolated", description.GetProperty("language").GetString());
        Assert.Equal("BlipFunctions.dll", description.GetProperty("defaultWorkerPath").GetString());
    }

    private static List<JsonElement> Functions()
    {
        string path = Path.Combine(s_appOutput, "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: build src/BlipFunctions first.");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(f => f.Clone())];
    }

    private static JsonElement Function(string name) => Functions().Single(f => f.GetProperty("name").GetString() == name);

    private static JsonElement Trigger(string name) =>
        Function(name).GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
}
