using BlipFunctions.Testing;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>The host tests share one Azurite and one tiny model, and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteTestGroup : ICollectionFixture<AzuriteFixture>, ICollectionFixture<TinyModelFixture>
{
    public const string Name = "Azurite";
}
