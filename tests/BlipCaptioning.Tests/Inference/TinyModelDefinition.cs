namespace BlipCaptioning.Tests.Inference;

/// <summary>Shares one fixture (built once per test run) across the test classes that name this collection.</summary>
[CollectionDefinition(Name)]
public sealed class TinyModelDefinition : ICollectionFixture<TinyModelFixture>
{
    public const string Name = "tiny model";
}
