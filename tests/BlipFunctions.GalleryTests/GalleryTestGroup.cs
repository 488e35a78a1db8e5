using BlipFunctions.GalleryTests.Fixtures;

namespace BlipFunctions.GalleryTests;

/// <summary>The browser tests share one library, one server and one Chromium, and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class GalleryTestGroup : ICollectionFixture<GalleryFixture>
{
    public const string Name = "Gallery";
}
