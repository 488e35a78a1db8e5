namespace BlipCaptioning.Cli.Tests;

/// <summary>Shares one fixture (built once per test run) across the test classes that name this collection.</summary>
[CollectionDefinition(Name)]
public sealed class CliDefinition : ICollectionFixture<CliFixture>
{
    public const string Name = "blip CLI";
}
