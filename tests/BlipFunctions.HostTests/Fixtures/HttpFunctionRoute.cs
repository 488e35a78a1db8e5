namespace BlipFunctions.HostTests.Fixtures;

/// <summary>An HTTP-triggered function as the host maps it: its name, route template (without prefix) and methods (none: all).</summary>
public sealed record HttpFunctionRoute(string Name, string Route, IReadOnlyList<string> Methods);
