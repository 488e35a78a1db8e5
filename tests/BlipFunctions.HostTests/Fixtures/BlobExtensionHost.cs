using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using BlipCaptioning.Testing;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Azure.WebJobs.Host.Config;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>
/// A WebJobs SDK host (Microsoft.Azure.WebJobs 3.0.48) running the host-side blob and queue extensions
/// (Microsoft.Azure.WebJobs.Extensions.Storage.Blobs and .Queues 5.3.10) on Azurite, with the repository's host.json
/// settings for them (poisonBlobThreshold, maxDegreeOfParallelism; messageEncoding, maxDequeueCount, batchSize,
/// newBatchThreshold; the queues polled every second instead of up to a minute) and the blob webhook served over HTTP at
/// <c>/runtime/webhooks/blobs</c> as the host's ExtensionWebHookHandler serves it (the request handed to the
/// extension as an <see cref="HttpRequestMessage"/>). Its functions are the bridge <see cref="Host.Functions"/>.
/// </summary>
public sealed class BlobExtensionHost : IAsyncDisposable
{
    private readonly IHost _jobHost;
    private readonly WebApplication _webhooks;
    private readonly ConcurrentQueue<string> _logs;

    private BlobExtensionHost(IHost jobHost, WebApplication webhooks, Uri baseAddress, string hostId, ConcurrentQueue<string> logs)
    {
        _jobHost = jobHost;
        _webhooks = webhooks;
        BaseAddress = baseAddress;
        HostId = hostId;
        _logs = logs;
    }

    /// <summary>http://127.0.0.1:port/, where /runtime/webhooks/blobs is.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The host id; the extension's internal queue is azure-webjobs-blobtrigger-&lt;host id&gt;.</summary>
    public string HostId { get; }

    /// <summary>The blob webhook URL for a function, as scripts and Event Grid subscriptions write it.</summary>
    public Uri WebhookFor(string function) => new(BaseAddress, $"runtime/webhooks/blobs?functionName=Host.Functions.{function}");

    /// <summary>What the WebJobs host and the extension logged (warnings and above), to read when a test fails.</summary>
    public string Logs() => string.Join(Environment.NewLine, _logs);

    public static async Task<BlobExtensionHost> StartAsync(AzuriteFixture azurite, FunctionsAppHost app)
    {
        int port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var webhooks = new ExtensionWebHooks(baseAddress);
        string hostId = "blip-host-tests-" + Guid.NewGuid().ToString("N")[..12];
        var logs = new ConcurrentQueue<string>();
        JsonElement blobs = HostJsonExtension("blobs");
        JsonElement queues = HostJsonExtension("queues");

        IHost jobHost = new HostBuilder()
            .ConfigureAppConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["CaptionStorage"] = azurite.ConnectionString,
            }))
            .ConfigureWebJobs(builder =>
            {
                builder.UseHostId(hostId);
                builder.AddAzureStorageBlobs(options =>
                {
                    options.PoisonBlobThreshold = blobs.GetProperty("poisonBlobThreshold").GetInt32();
                    options.MaxDegreeOfParallelism = blobs.GetProperty("maxDegreeOfParallelism").GetInt32();
                });
                builder.AddAzureStorageQueues(options =>
                {
                    options.MessageEncoding = Enum.Parse<Azure.Storage.Queues.QueueMessageEncoding>(queues.GetProperty("messageEncoding").GetString()!, ignoreCase: true);
                    options.MaxDequeueCount = queues.GetProperty("maxDequeueCount").GetInt32();
                    options.BatchSize = queues.GetProperty("batchSize").GetInt32();
                    options.NewBatchThreshold = queues.GetProperty("newBatchThreshold").GetInt32();
                    options.MaxPollingInterval = TimeSpan.FromSeconds(1);
                });
            })
            .ConfigureServices(services =>
            {
                services.AddSingleton<IWebHookProvider>(webhooks);
                services.AddSingleton<ITypeLocator, BridgeTypeLocator>();
                services.AddSingleton<IJobActivator>(new AppJobActivator(app));
            })
            .ConfigureLogging(logging =>
            {
                logging.ClearProviders();
                logging.AddProvider(new QueueLoggerProvider(logs));
                logging.SetMinimumLevel(LogLevel.Warning);
            })
            .Build();

        WebApplicationBuilder web = WebApplication.CreateBuilder();
        web.Logging.ClearProviders();
        web.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        WebApplication server = web.Build();
        server.Run(context => ServeAsync(context, webhooks));

        await jobHost.StartAsync();
        await server.StartAsync();
        return new BlobExtensionHost(jobHost, server, baseAddress, hostId, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _webhooks.StopAsync();
        await _webhooks.DisposeAsync();
        await _jobHost.StopAsync();
        _jobHost.Dispose();
    }

    /// <summary>The host's ExtensionWebHookHandler: the request as an HttpRequestMessage to the extension, its answer back.</summary>
    private static async Task ServeAsync(HttpContext context, ExtensionWebHooks webhooks)
    {
        const string Route = "/runtime/webhooks/";
        string path = context.Request.Path.Value ?? string.Empty;
        if (!path.StartsWith(Route, StringComparison.Ordinal) || !webhooks.TryGetHandler(path[Route.Length..].Split('/')[0], out var handler))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(context.Request.GetEncodedUrl()))
        {
            Content = new StreamContent(context.Request.Body),
        };
        foreach ((string name, Microsoft.Extensions.Primitives.StringValues values) in context.Request.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using HttpResponseMessage response = await handler.ConvertAsync(request, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content is not null)
        {
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    private static JsonElement HostJsonExtension(string name)
    {
        using JsonDocument host = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "host.json")));
        return host.RootElement.GetProperty("extensions").GetProperty(name).Clone();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
