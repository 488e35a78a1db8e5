using Microsoft.Azure.WebJobs;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>The WebJobs host indexes the bridge class only.</summary>
public sealed class BridgeTypeLocator : ITypeLocator
{
    public IReadOnlyList<Type> GetTypes() => [typeof(Host.Functions)];
}
