using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>
/// Plays the Functions host for our built worker, with the host's own protocol and pieces where they are public:
/// a gRPC endpoint generated from FunctionRpc.proto, the worker started as the host starts it
/// (<see cref="WorkerProcess"/>), the host's start-up conversation (StartStream, WorkerInitRequest,
/// FunctionsMetadataRequest, one FunctionLoadRequest per function), and HTTP requests served as the host serves them
/// with the ASP.NET Core integration: routed by the host's WebJobsRouter, proxied with YARP's forwarder (as the host's
/// DefaultHttpProxyService does) to the <c>HttpUri</c> the worker reported, with the <c>x-ms-invocation-id</c> header,
/// while an InvocationRequest carrying the route values as trigger metadata goes over the stream. The front door keeps
/// the host's own request-body limit (104,857,600 bytes). Every wait is bounded.
/// </summary>
public sealed class HostedWorker : IAsyncDisposable
{
    /// <summary>The host's ScriptConstants.DefaultMaxRequestBodySize.</summary>
    public const long HostMaxRequestBodySize = 104_857_600;

    /// <summary>The header the host adds to a proxied request (ScriptConstants.HttpProxyCorrelationHeader).</summary>
    public const string InvocationIdHeader = "x-ms-invocation-id";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_invocationTimeout = TimeSpan.FromSeconds(120);

    private readonly WebApplication _app;
    private readonly WorkerChannel _channel;
    private readonly ConcurrentQueue<(string Function, InvocationResponse Response)> _invocations = new();
    private readonly HttpMessageInvoker _proxyClient = new(new RetryProxyHandler(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }));
    private WorkerProcess? _worker;
    private HostRouteTable? _routes;
    private Dictionary<string, RpcFunctionMetadata> _functions = new(StringComparer.OrdinalIgnoreCase);
    private Uri? _workerHttpUri;

    private HostedWorker(WebApplication app, Uri frontDoor)
    {
        _app = app;
        _channel = app.Services.GetRequiredService<WorkerChannel>();
        Client = new HttpClient { BaseAddress = frontDoor, Timeout = TimeSpan.FromSeconds(180) };
    }

    /// <summary>A client of the host's HTTP front door (http://127.0.0.1:port/).</summary>
    public HttpClient Client { get; }

    /// <summary>The worker's answer to WorkerInitRequest.</summary>
    public WorkerInitResponse Init { get; private set; } = new();

    /// <summary>The functions the worker reported (worker indexing), by name.</summary>
    public IReadOnlyDictionary<string, RpcFunctionMetadata> Functions => _functions;

    /// <summary>Every invocation the host made, in order, with the worker's answer.</summary>
    public IReadOnlyList<(string Function, InvocationResponse Response)> Invocations => [.. _invocations];

    public WorkerProcess Worker => _worker ?? throw new InvalidOperationException("Not started.");

    /// <summary>What to read when a request went wrong: each invocation's result, the worker's logs and output.</summary>
    public string Diagnostics() =>
        string.Join(Environment.NewLine, Invocations.Select(i => $"{i.Function}: {i.Response.Result.Status} {i.Response.Result.Exception?.Message} {i.Response.Result.Exception?.StackTrace}"))
        + Environment.NewLine + "Worker logs:" + Environment.NewLine + string.Join(Environment.NewLine, _channel.Logs)
        + Environment.NewLine + "Worker output:" + Environment.NewLine + Worker.Output();

    /// <summary>
    /// Starts the host's endpoints, then the worker with these app settings, and takes it through start-up. Throws
    /// <see cref="WorkerExitedException"/> (with the worker's output) when the worker stops instead of starting.
    /// </summary>
    public static async Task<HostedWorker> StartAsync(IReadOnlyDictionary<string, string> appSettings)
    {
        int[] ports = FreePorts(2);
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = HostMaxRequestBodySize;
            kestrel.Listen(IPAddress.Loopback, ports[0], o => o.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, ports[1], o => o.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = null;
            o.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton<WorkerChannel>();
        builder.Services.AddHttpForwarder();
        WebApplication app = builder.Build();
        var host = new HostedWorker(app, new Uri($"http://127.0.0.1:{ports[1]}/"));
        app.Use(async (context, next) =>
        {
            if (context.Connection.LocalPort == ports[1])
            {
                await host.ServeHttpAsync(context);
                return;
            }

            await next(context);
        });
        app.MapGrpcService<FunctionRpcService>();
        await app.StartAsync();
        try
        {
            await host.StartWorkerAsync(new Uri($"http://127.0.0.1:{ports[0]}/"), appSettings);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }

        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _proxyClient.Dispose();
    }

    private async Task StartWorkerAsync(Uri functionsUri, IReadOnlyDictionary<string, string> appSettings)
    {
        string appFolder = BuiltApp.OutputFolder;
        _worker = WorkerProcess.Start(appFolder, functionsUri, appSettings);

        StartStream start = await _channel.WaitForStartStreamAsync(_worker, s_startTimeout);
        if (start.WorkerId != _worker.WorkerId)
        {
            throw new InvalidOperationException($"StartStream came from worker '{start.WorkerId}', not '{_worker.WorkerId}'.");
        }

        StreamingMessage init = await AskAsync(new StreamingMessage
        {
            WorkerInitRequest = new WorkerInitRequest { HostVersion = "4.0.0-hosttests", FunctionAppDirectory = appFolder, WorkerDirectory = appFolder },
        }, "WorkerInitResponse");
        Init = init.WorkerInitResponse;
        EnsureSucceeded(Init.Result, "WorkerInitRequest");
        if (!Init.Capabilities.TryGetValue("HttpUri", out string? httpUri))
        {
            throw new InvalidOperationException("The worker reported no HttpUri capability: the ASP.NET Core integration is not on.");
        }

        _workerHttpUri = new Uri(httpUri);

        StreamingMessage metadata = await AskAsync(new StreamingMessage
        {
            FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appFolder },
        }, "FunctionMetadataResponse");
        EnsureSucceeded(metadata.FunctionMetadataResponse.Result, "FunctionsMetadataRequest");
        _functions = metadata.FunctionMetadataResponse.FunctionMetadataResults.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

        foreach (RpcFunctionMetadata function in _functions.Values)
        {
            StreamingMessage loaded = await AskAsync(new StreamingMessage
            {
                FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function },
            }, "FunctionLoadResponse:" + function.FunctionId);
            EnsureSucceeded(loaded.FunctionLoadResponse.Result, $"FunctionLoadRequest for {function.Name}");
        }

        // A real host gets its first request long after this point; the test waits until the worker's Kestrel listens.
        await WaitUntilListeningAsync(_workerHttpUri, _worker);
        _routes = HostRouteTable.Build(
            _functions.Values.Select(f => HttpFunctionRoute.FromBindings(f.Name, f.RawBindings.Select(Json))).OfType<HttpFunctionRoute>(),
            BuiltApp.RoutePrefix());
    }

    private async Task ServeHttpAsync(HttpContext context)
    {
        RoutedRequest? routed = _routes is null ? null : await _routes.RouteAsync(context);
        if (routed is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        RpcFunctionMetadata function = _functions[routed.FunctionName];
        string trigger = function.RawBindings.Select(Json)
            .First(b => string.Equals(b.GetProperty("type").GetString(), "httpTrigger", StringComparison.OrdinalIgnoreCase))
            .GetProperty("name").GetString()!;
        string invocationId = Guid.NewGuid().ToString();
        context.Request.Headers.TryAdd(InvocationIdHeader, invocationId);

        var invocation = new InvocationRequest
        {
            FunctionId = function.FunctionId,
            InvocationId = invocationId,
            TraceContext = new RpcTraceContext { TraceParent = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-00", TraceState = string.Empty },
        };

        // With HTTP proxying the host sends an empty RpcHttp for the trigger (the request itself travels through the
        // proxy) and the route values in the trigger metadata, where the worker binds parameters such as 'id'.
        invocation.InputData.Add(new ParameterBinding { Name = trigger, Data = new TypedData { Http = new RpcHttp() } });
        foreach ((string name, object? value) in routed.RouteValues)
        {
            if (value is not null)
            {
                invocation.TriggerMetadata.Add(name, new TypedData { String = value.ToString() });
            }
        }

        IHttpForwarder forwarder = context.RequestServices.GetRequiredService<IHttpForwarder>();
        Task<ForwarderError> forwarding = forwarder.SendAsync(context, _workerHttpUri!.ToString(), _proxyClient,
            new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(240) }).AsTask();
        StreamingMessage answer = await AskAsync(new StreamingMessage { InvocationRequest = invocation }, "InvocationResponse:" + invocationId, s_invocationTimeout);
        ForwarderError proxied = await forwarding.WaitAsync(s_invocationTimeout);
        _invocations.Enqueue((function.Name, answer.InvocationResponse));
        if ((proxied != ForwarderError.None || answer.InvocationResponse.Result.Status != StatusResult.Types.Status.Success) && !context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }
    }

    private Task<StreamingMessage> AskAsync(StreamingMessage request, string answerKey, TimeSpan? timeout = null)
    {
        request.RequestId = Guid.NewGuid().ToString();
        return _channel.AskAsync(request, answerKey, Worker, timeout ?? s_startTimeout);
    }

    private void EnsureSucceeded(StatusResult result, string request)
    {
        if (result.Status != StatusResult.Types.Status.Success)
        {
            throw new InvalidOperationException(
                $"The worker answered {request} with {result.Status}: {result.Exception?.Message}{Environment.NewLine}Its output:{Environment.NewLine}{Worker.Output()}");
        }
    }

    private static async Task WaitUntilListeningAsync(Uri address, WorkerProcess worker)
    {
        var deadline = DateTime.UtcNow + s_startTimeout;
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(address.Host, address.Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !worker.Exited.IsCompleted)
            {
                await Task.Delay(100);
            }
            catch (SocketException e)
            {
                throw new WorkerExitedException($"The worker's HTTP endpoint {address} does not listen ({e.Message}). Its output:{Environment.NewLine}{worker.Output()}");
            }
        }
    }

    private static JsonElement Json(string binding)
    {
        using JsonDocument document = JsonDocument.Parse(binding);
        return document.RootElement.Clone();
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        int[] ports = [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
