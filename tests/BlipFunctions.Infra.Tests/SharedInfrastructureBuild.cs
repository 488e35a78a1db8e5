namespace BlipFunctions.Infra.Tests;

/// <summary>Shares one build of infra/ between all the test classes.</summary>
[CollectionDefinition(Name)]
public sealed class SharedInfrastructureBuild : ICollectionFixture<CompiledInfrastructure>
{
    public const string Name = "Compiled infra";
}
