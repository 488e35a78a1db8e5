namespace BlipFunctions.HostTests.Fixtures;

/// <summary>Where the host's router sent a request: the function and the route data the host hands to its binding.</summary>
public sealed record RoutedRequest(string FunctionName, IReadOnlyDictionary<string, object?> RouteValues);
