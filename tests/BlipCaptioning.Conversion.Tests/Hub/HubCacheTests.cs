using BlipCaptioning.Conversion.Hub;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Hub;

public sealed class HubCacheTests : IDisposable
{
    private readonly TemporaryFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void RepoFolder_OwnerAndName_UsesHuggingfaceHubNaming()
    {
        var cache = new HubCache(_root.Path);

        Assert.Equal(Path.Combine(_root.Path, "models--Salesforce--blip-image-captioning-base"), cache.RepoFolder("Salesforce/blip-image-captioning-base"));
    }

    [Fact]
    public void WriteRef_ThenReadRef_ReturnsTheCommit()
    {
        var cache = new HubCache(_root.Path);
        var commit = new string('a', 40);

        cache.WriteRef("o/n", "refs/pr/1", commit);

        Assert.Equal(commit, cache.ReadRef("o/n", "refs/pr/1"));
        Assert.True(File.Exists(Path.Combine(_root.Path, "models--o--n", "refs", "refs", "pr", "1")));
        Assert.Null(cache.ReadRef("o/n", "main"));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../b")]
    [InlineData("/etc/passwd")]
    public void SnapshotFile_PathLeavingTheSnapshot_Throws(string fileName)
    {
        var cache = new HubCache(_root.Path);

        Assert.Throws<HubException>(() => cache.SnapshotFile("o/n", new string('b', 40), fileName));
    }

    [Fact]
    public void SnapshotFolder_CommitNotAHash_Throws()
    {
        var cache = new HubCache(_root.Path);

        var error = Assert.Throws<HubException>(() => cache.SnapshotFolder("o/n", "../../x"));

        Assert.Contains("40-digit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BlobPath_KeyWithPathCharacters_Throws()
    {
        var cache = new HubCache(_root.Path);

        Assert.Throws<HubException>(() => cache.BlobPath("o/n", "../x"));
    }

    [Fact]
    public void LinkSnapshotFile_Blob_SnapshotFileReadsTheBlobsBytes()
    {
        var cache = new HubCache(_root.Path);
        var blob = cache.BlobPath("o/n", "abc");
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        File.WriteAllBytes(blob, [1, 2, 3]);
        var snapshotFile = cache.SnapshotFile("o/n", new string('c', 40), "sub/file.bin");

        HubCache.LinkSnapshotFile(blob, snapshotFile);

        Assert.Equal([1, 2, 3], File.ReadAllBytes(snapshotFile));
    }
}
