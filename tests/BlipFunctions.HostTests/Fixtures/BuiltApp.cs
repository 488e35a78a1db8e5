using System.Reflection;
using System.Text.Json;
using BlipCaptioning.Testing;
using BlipFunctions.Tests.Fixtures;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>
/// The Functions app as the build leaves it for the host: its output folder (worker.config.json, functions.metadata,
/// host.json, BlipFunctions.dll), built in this test run's configuration.
/// </summary>
public static class BuiltApp
{
    /// <summary>src/BlipFunctions/bin/&lt;configuration&gt;/net10.0, the folder the host runs the worker from.</summary>
    public static string OutputFolder { get; } = Path.Combine(RepositoryPaths.Root, "src", "BlipFunctions", "bin",
        typeof(BuiltApp).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration, "net10.0");

    /// <summary>Every function of functions.metadata, as the host reads it.</summary>
    public static IReadOnlyList<JsonElement> Functions()
    {
        string path = Path.Combine(OutputFolder, "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: build src/BlipFunctions first.");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(f => f.Clone())];
    }

    /// <summary>The HTTP-triggered functions of functions.metadata: name, route and methods, as the host maps them.</summary>
    public static IReadOnlyList<HttpFunctionRoute> HttpFunctions() =>
    [
        .. Functions()
            .Select(f => HttpFunctionRoute.FromBindings(f.GetProperty("name").GetString()!, f.GetProperty("bindings").EnumerateArray()))
            .OfType<HttpFunctionRoute>(),
    ];

    /// <summary>host.json's extensions.http.routePrefix ("api" when it is not set, as in the host).</summary>
    public static string RoutePrefix()
    {
        using JsonDocument host = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputFolder, "host.json")));
        return host.RootElement.TryGetProperty("extensions", out JsonElement extensions)
               && extensions.TryGetProperty("http", out JsonElement http)
               && http.TryGetProperty("routePrefix", out JsonElement prefix)
            ? prefix.GetString()!
            : "api";
    }
}
