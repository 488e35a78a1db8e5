namespace BlipFunctions.HostTests.Fixtures;

/// <summary>A request target made from a route template (percent-encoded, as a client sends it) and the route values it should give.</summary>
public sealed record RouteSample(string Target, IReadOnlyDictionary<string, string> Values);
