using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using BlipFunctions.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing.Constraints;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BlipFunctions.GalleryTests.Fixtures;

/// <summary>
/// The app's HTTP functions served over real HTTP on 127.0.0.1 (Kestrel, a free port), the way the Functions host
/// serves them: every method with <c>[Function]</c> and an <c>[HttpTrigger]</c> of the app's assembly is routed at
/// <c>api/</c> + its route in the host's order (function names sorted, the first route whose template, constraints
/// and method match wins), the trigger's authorization level is enforced with one function key (<c>x-functions-key</c>
/// header or <c>?code=</c>, as in Azure; anonymous functions need none), the function class is created from the app's
/// own services (<see cref="FunctionsAppHost"/>), and its <see cref="IActionResult"/> is executed with ASP.NET Core's
/// result executors as the worker's ASP.NET Core integration does. Unhandled exceptions are kept for the test to show.
/// </summary>
public sealed class LocalFunctionsServer : IAsyncDisposable
{
    public const string KeyHeader = "x-functions-key";
    private const string RoutePrefix = "api";

    private readonly WebApplication _web;
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<ServedRequest> _requests = new();

    private LocalFunctionsServer(WebApplication web, Uri address, string functionKey)
    {
        _web = web;
        Address = address;
        FunctionKey = functionKey;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Address { get; }

    /// <summary>The one key that opens functions of level Function (and Admin).</summary>
    public string FunctionKey { get; }

    /// <summary>Unhandled exceptions of functions, with the request that raised them.</summary>
    public IReadOnlyList<string> Failures => [.. _failures];

    /// <summary>Every request served: path and query, the function, the status, and whether the key came in a header.</summary>
    public IReadOnlyList<ServedRequest> Requests => [.. _requests];

    public static async Task<LocalFunctionsServer> StartAsync(IServiceProvider appServices, string functionKey)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRouting();
        WebApplication web = builder.Build();
        LocalFunctionsServer? server = null;

        var routes = new RouteCollection();
        var resolver = web.Services.GetRequiredService<IInlineConstraintResolver>();
        foreach (HttpFunction function in HttpFunction.InAssembly(typeof(BlipFunctionsApplication).Assembly).OrderBy(f => f.Name, StringComparer.OrdinalIgnoreCase))
        {
            var constraints = new Dictionary<string, object> { ["httpMethod"] = new HttpMethodRouteConstraint([.. function.Methods]) };
            var handler = new RouteHandler(context => server!.InvokeAsync(function, context, appServices));
            routes.Add(new Route(handler, function.Name, $"{RoutePrefix}/{function.Route}", null, constraints, null, resolver));
        }

        web.UseRouter(routes);
        await web.StartAsync();
        string address = web.Urls.Single().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        server = new LocalFunctionsServer(web, new Uri(address.EndsWith('/') ? address : address + "/"), functionKey);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _web.StopAsync();
        await _web.DisposeAsync();
    }

    private async Task InvokeAsync(HttpFunction function, HttpContext context, IServiceProvider appServices)
    {
        string target = context.Request.Path + context.Request.QueryString;
        bool keyInHeader = context.Request.Headers[KeyHeader] == FunctionKey;
        bool keyInQuery = context.Request.Query["code"] == FunctionKey;
        if (function.AuthLevel != AuthorizationLevel.Anonymous && !keyInHeader && !keyInQuery)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            _requests.Enqueue(new ServedRequest(target, function.Name, 401, keyInHeader));
            return;
        }

        await using AsyncServiceScope scope = appServices.CreateAsyncScope();
        context.RequestServices = scope.ServiceProvider;
        try
        {
            object? instance = function.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(scope.ServiceProvider, function.Method.DeclaringType!);
            object?[] arguments = [.. function.Method.GetParameters().Select(p => Argument(p, context))];
            object? returned = function.Method.Invoke(instance, arguments);
            if (returned is Task task)
            {
                await task;
                returned = task.GetType().IsGenericType ? task.GetType().GetProperty("Result")!.GetValue(task) : null;
            }

            if (returned is IActionResult result)
            {
                await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
            }
        }
        catch (Exception e)
        {
            Exception shown = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            _failures.Enqueue($"{context.Request.Method} {target} ({function.Name}): {shown}");
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        }

        _requests.Enqueue(new ServedRequest(target, function.Name, context.Response.StatusCode, keyInHeader));
    }

    /// <summary>What the worker binds: the request, the invocation's cancellation, and route values by name.</summary>
    private static object? Argument(ParameterInfo parameter, HttpContext context)
    {
        if (parameter.ParameterType == typeof(HttpRequest))
        {
            return context.Request;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return context.RequestAborted;
        }

        if (parameter.ParameterType == typeof(string))
        {
            return context.GetRouteValue(parameter.Name!)?.ToString();
        }

        throw new NotSupportedException($"LocalFunctionsServer cannot bind {parameter.ParameterType} {parameter.Name}; teach it how the worker binds it.");
    }
}
