using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Constraints;
using Microsoft.Azure.WebJobs.Extensions.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>
/// The Functions host's HTTP route table, made of the host's own <see cref="WebJobsRouter"/> (Microsoft.Azure.WebJobs.
/// Extensions.Http 3.2.0) the way the host's WebScriptHostHttpRoutesManager fills it: one route per HTTP function in
/// the order FunctionMetadataManager lists them (names sorted OrdinalIgnoreCase), the route prefix in front, an
/// <see cref="HttpMethodRouteConstraint"/> for the trigger's methods; the first route that matches wins. Route data is
/// what the host's FunctionInvocationMiddleware.PopulateRouteData passes on (optional parameters left out are null).
/// </summary>
public sealed class HostRouteTable
{
    private const string FunctionNameKey = "routed-function";
    private readonly WebJobsRouter _router;
    private readonly IServiceProvider _services;

    private HostRouteTable(WebJobsRouter router, IServiceProvider services)
    {
        _router = router;
        _services = services;
    }

    /// <summary>The table of the built app: its functions.metadata and host.json.</summary>
    public static HostRouteTable ForBuiltApp() => Build(BuiltApp.HttpFunctions(), BuiltApp.RoutePrefix());

    public static HostRouteTable Build(IEnumerable<HttpFunctionRoute> functions, string routePrefix)
    {
        IServiceProvider services = new ServiceCollection().AddLogging().AddRouting().BuildServiceProvider();
        var router = new WebJobsRouter(services.GetRequiredService<IInlineConstraintResolver>());
        WebJobsRouteBuilder builder = router.CreateBuilder(new RecordingRouteHandler(), routePrefix);
        foreach (HttpFunctionRoute function in functions.OrderBy(f => f.Name, StringComparer.OrdinalIgnoreCase))
        {
            var constraints = new RouteValueDictionary();
            if (function.Methods.Count > 0)
            {
                constraints.Add("httpMethod", new HttpMethodRouteConstraint([.. function.Methods]));
            }

            builder.MapFunctionRoute(function.Name, function.Route, constraints, function.Name);
        }

        router.AddFunctionRoutes(builder.Build(), null);
        return new HostRouteTable(router, services);
    }

    /// <summary>
    /// Routes a request as the host does; <paramref name="target"/> is the path and query as sent on the wire
    /// (percent-encoded), which the server decodes the way Kestrel does before routing. Null: no function matches (404).
    /// </summary>
    public Task<RoutedRequest?> RouteAsync(string method, string target)
    {
        int query = target.IndexOf('?', StringComparison.Ordinal);
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Method = method;
        context.Request.Path = PathString.FromUriComponent(query < 0 ? target : target[..query]);
        context.Request.QueryString = query < 0 ? QueryString.Empty : new QueryString(target[query..]);
        return RouteAsync(context);
    }

    /// <summary>Routes a request a server has received (its path already decoded). Null: no function matches (404).</summary>
    public async Task<RoutedRequest?> RouteAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var routeContext = new RouteContext(context);
        await _router.RouteAsync(routeContext);
        if (routeContext.Handler is null)
        {
            return null;
        }

        await routeContext.Handler(context);
        var values = new Dictionary<string, object?>(routeContext.RouteData.Values, StringComparer.OrdinalIgnoreCase);
        if (routeContext.RouteData.Routers.OfType<Route>().FirstOrDefault() is { } route)
        {
            foreach (var parameter in route.ParsedTemplate.Parameters.Where(p => p.IsOptional && p.DefaultValue is null))
            {
                values.TryAdd(parameter.Name!, null);
            }
        }

        return new RoutedRequest((string)context.Items[FunctionNameKey]!, values);
    }

    private sealed class RecordingRouteHandler : IWebJobsRouteHandler
    {
        public Task InvokeAsync(HttpContext context, string functionName)
        {
            context.Items[FunctionNameKey] = functionName;
            return Task.CompletedTask;
        }
    }
}
