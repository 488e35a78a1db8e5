using System.Text.RegularExpressions;
using BlipCaptioning.Testing;
using BlipFunctions.HostTests.Fixtures;
using BlipFunctions.Tests.Fixtures;

namespace BlipFunctions.HostTests.Routing;

/// <summary>
/// The built functions.metadata routed by the Functions host's own router (WebJobsRouter, host order, first match
/// wins): every request reaches the function that serves it, with the route values its binding gets.
/// </summary>
public sealed partial class HostRouteTableTests
{
    private static readonly HostRouteTable s_table = HostRouteTable.ForBuiltApp();

    /// <summary>Every (HTTP function, method) pair of the built functions.metadata; a function without methods takes any.</summary>
    public static TheoryData<string, string> FunctionsAndMethods()
    {
        var data = new TheoryData<string, string>();
        foreach (HttpFunctionRoute function in BuiltApp.HttpFunctions())
        {
            foreach (string method in function.Methods.Count > 0 ? function.Methods : ["get", "post"])
            {
                data.Add(function.Name, method.ToUpperInvariant());
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FunctionsAndMethods))]
    public async Task RouteAsync_EachFunctionsOwnRouteAndMethod_ReachesThatFunctionWithItsRouteValues(string function, string method)
    {
        HttpFunctionRoute route = BuiltApp.HttpFunctions().Single(f => f.Name == function);

        foreach (RouteSample sample in RouteSamples.For(BuiltApp.RoutePrefix(), route.Route))
        {
            RoutedRequest? routed = await s_table.RouteAsync(method, sample.Target);

            Assert.True(routed is not null, $"{method} {sample.Target} matches no route, though {function}'s route is '{route.Route}'.");
            Assert.True(routed.FunctionName == function,
                $"{method} {sample.Target} reaches {routed.FunctionName}, not {function}: a function that sorts earlier takes {function}'s requests.");
            foreach ((string name, string value) in sample.Values)
            {
                Assert.Equal(value, routed.RouteValues[name]);
            }
        }
    }

    [Theory]
    [InlineData("GET", "/api/captions", "ListCaptions")]
    [InlineData("GET", "/api/captions/", "ListCaptions")]
    [InlineData("GET", "/api/captions?prefix=holiday/&top=10", "ListCaptions")]
    [InlineData("GET", "/api/captions?continuationToken=abc", "ListCaptions")]
    [InlineData("POST", "/api/captions", "CaptionImage")]
    [InlineData("GET", "/api/captions/holiday/beach.jpg", "GetCaption")]
    [InlineData("GET", "/api/captions/holiday%2Fbeach.jpg", "GetCaption")]
    [InlineData("DELETE", "/api/captions/holiday/beach.jpg", null)]
    [InlineData("PUT", "/api/captions", null)]
    [InlineData("GET", "/api/caption", null)]
    public async Task RouteAsync_TheCaptionsRoutes_ReachTheirFunctionOrNone(string method, string target, string? function)
    {
        RoutedRequest? routed = await s_table.RouteAsync(method, target);

        Assert.Equal(function, routed?.FunctionName);
    }

    [Fact]
    public async Task RouteAsync_ListingWithoutAnId_GivesGetCaptionNoRequestAtAll()
    {
        RoutedRequest? listing = await s_table.RouteAsync("GET", "/api/captions");
        RoutedRequest? caption = await s_table.RouteAsync("GET", "/api/captions/holiday/beach%20%231.jpg");

        Assert.Equal("ListCaptions", listing?.FunctionName);
        Assert.Equal("GetCaption", caption?.FunctionName);
        Assert.Equal("holiday/beach #1.jpg", caption!.RouteValues["id"]);
    }

    [Fact]
    public async Task RouteAsync_EveryRequestTheReadmeDocuments_ReachesTheFunctionWithThatRoute()
    {
        List<(string Method, string Path, string Query)> documented = ReadmeRequests();
        Assert.NotEmpty(documented);
        string prefix = BuiltApp.RoutePrefix();

        foreach ((string method, string path, string query) in documented)
        {
            HttpFunctionRoute[] serving = [.. BuiltApp.HttpFunctions().Where(f =>
                RouteSamples.Documented(prefix, f.Route) == path
                && (f.Methods.Count == 0 || f.Methods.Contains(method, StringComparer.OrdinalIgnoreCase)))];
            HttpFunctionRoute function = Assert.Single(serving);
            foreach (RouteSample sample in RouteSamples.For(prefix, function.Route))
            {
                RoutedRequest? routed = await s_table.RouteAsync(method, sample.Target + query);

                Assert.True(routed?.FunctionName == function.Name,
                    $"README's `{method} {path}{query}` sent as {sample.Target + query} reaches {routed?.FunctionName ?? "no function"}, not {function.Name}.");
                foreach ((string name, string value) in sample.Values)
                {
                    Assert.Equal(value, routed!.RouteValues[name]);
                }
            }
        }
    }

    [Fact]
    public void Readme_HttpApi_DocumentsEveryRouteAndMethodOfTheMetadata()
    {
        HashSet<string> documented = [.. ReadmeRequests().Select(r => $"{r.Method} {r.Path}")];
        string prefix = BuiltApp.RoutePrefix();

        foreach (HttpFunctionRoute function in BuiltApp.HttpFunctions())
        {
            foreach (string method in function.Methods)
            {
                string request = $"{method.ToUpperInvariant()} {RouteSamples.Documented(prefix, function.Route)}";
                Assert.True(documented.Contains(request), $"README's HTTP API table does not document `{request}` ({function.Name}).");
            }
        }
    }

    /// <summary>The requests of README's "HTTP API" table: `METHOD /path?query`.</summary>
    private static List<(string Method, string Path, string Query)> ReadmeRequests()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        int start = readme.IndexOf("\n## HTTP API", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## HTTP API' section.");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = end < 0 ? readme[start..] : readme[start..end];
        return [.. DocumentedRequest().Matches(section).Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value))];
    }

    [GeneratedRegex(@"^\| `(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)(\?[^`\s]*)?`", RegexOptions.Multiline)]
    private static partial Regex DocumentedRequest();
}
