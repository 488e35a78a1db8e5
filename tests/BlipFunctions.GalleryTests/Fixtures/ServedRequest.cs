namespace BlipFunctions.GalleryTests.Fixtures;

/// <summary>One request <see cref="LocalFunctionsServer"/> served: path and query, function, status, key sent as a header.</summary>
public sealed record ServedRequest(string Target, string Function, int Status, bool KeyInHeader);
