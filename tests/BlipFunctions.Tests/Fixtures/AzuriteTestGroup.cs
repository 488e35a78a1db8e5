namespace BlipFunctions.Tests.Fixtures;

/// <summary>Tests that share one Azurite (and, once built, one tiny model).</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteTestGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
