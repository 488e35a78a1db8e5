using System.Text.Json;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>An HTTP-triggered function as the host maps it: its name, route template (without prefix) and methods (none: all).</summary>
public sealed record HttpFunctionRoute(string Name, string Route, IReadOnlyList<string> Methods)
{
    /// <summary>
    /// The function's route from its bindings (functions.metadata or the worker's metadata), or null when it has no
    /// HTTP trigger. A trigger without a route is served at the function's name, as in the host.
    /// </summary>
    public static HttpFunctionRoute? FromBindings(string name, IEnumerable<JsonElement> bindings)
    {
        JsonElement trigger = bindings.FirstOrDefault(b =>
            string.Equals(b.GetProperty("type").GetString(), "httpTrigger", StringComparison.OrdinalIgnoreCase));
        if (trigger.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string route = trigger.TryGetProperty("route", out JsonElement r) && r.GetString() is { Length: > 0 } text ? text : name;
        IReadOnlyList<string> methods = trigger.TryGetProperty("methods", out JsonElement m) ? [.. m.EnumerateArray().Select(x => x.GetString()!)] : [];
        return new HttpFunctionRoute(name, route, methods);
    }
}
