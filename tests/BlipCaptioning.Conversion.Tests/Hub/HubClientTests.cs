using System.Text.Json;
using BlipCaptioning.Conversion.Hub;

namespace BlipCaptioning.Conversion.Tests.Hub;

public sealed class HubClientTests : IDisposable
{
    private readonly HubTestContext _hub = new();

    public void Dispose() => _hub.Dispose();

    [Fact]
    public async Task GetRevisionAsync_ServedRepo_AsksForBlobsAndReadsCommitSizesAndLfsHashes()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        using var client = new HubClient(_hub.Options());

        var info = await client.GetRevisionAsync(FakeCheckpoint.Repo, "main");

        Assert.Equal(repo.Commit, info.Commit);
        Assert.Equal(repo.Files.Keys.Order(StringComparer.Ordinal), info.Siblings.Select(s => s.FileName).Order(StringComparer.Ordinal));
        var weights = info.Find("pytorch_model.bin")!;
        Assert.Equal(repo.Files["pytorch_model.bin"].Sha256, weights.Lfs!.Sha256);
        Assert.Equal(repo.Files["pytorch_model.bin"].Content.Length, weights.ContentSize);
        var config = info.Find("config.json")!;
        Assert.Null(config.Lfs);
        Assert.Equal(repo.Files["config.json"].BlobId, config.BlobId);
        Assert.Equal(repo.Files["config.json"].Content.Length, config.Size);
        Assert.Equal("/api/models/Salesforce/blip-image-captioning-base/revision/main?blobs=true", Assert.Single(_hub.Server.Requests).PathAndQuery);
    }

    [Fact]
    public async Task GetRevisionAsync_RevisionWithSlashes_IsSentAsOneEscapedSegment()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        repo.Branches["refs/pr/3"] = repo.Commit;
        using var client = new HubClient(_hub.Options());

        var info = await client.GetRevisionAsync(FakeCheckpoint.Repo, "refs/pr/3");

        Assert.Equal(repo.Commit, info.Commit);
        Assert.Equal("/api/models/Salesforce/blip-image-captioning-base/revision/refs%2Fpr%2F3?blobs=true", Assert.Single(_hub.Server.Requests).PathAndQuery);
    }

    [Fact]
    public async Task GetFileMetadataAsync_LfsFile_ReadsCommitLinkedEtagAndSizeFromTheRedirect()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        using var client = new HubClient(_hub.Options());

        var metadata = await client.GetFileMetadataAsync(FakeCheckpoint.Repo, "main", "pytorch_model.bin");

        Assert.Equal(repo.Commit, metadata.Commit);
        Assert.Equal(repo.Files["pytorch_model.bin"].Sha256, metadata.ETag);
        Assert.Equal(repo.Files["pytorch_model.bin"].Sha256, metadata.Sha256);
        Assert.Equal(repo.Files["pytorch_model.bin"].Content.Length, metadata.Size);
        Assert.DoesNotContain(_hub.Server.Requests, r => r.PathAndQuery.StartsWith("/cdn/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetFileMetadataAsync_SmallFile_ReadsTheGitBlobEtagAndContentLength()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        using var client = new HubClient(_hub.Options());

        var metadata = await client.GetFileMetadataAsync(FakeCheckpoint.Repo, "main", "vocab.txt");

        Assert.Equal(repo.Files["vocab.txt"].BlobId, metadata.ETag);
        Assert.Null(metadata.Sha256);
        Assert.Equal(repo.Files["vocab.txt"].Content.Length, metadata.Size);
    }

    [Fact]
    public void HubRevisionInfo_JsonShapedLikeTheHubsAnswer_ParsesCommitAndSiblings()
    {
        // The field set of a real ?blobs=true answer; the hashes are made up.
        const string json = """
            {"_id":"63973db49c0a8bf1b6d1e8a7","id":"Salesforce/blip-image-captioning-base","private":false,
             "pipeline_tag":"image-to-text","library_name":"transformers","tags":["transformers","pytorch","tf","blip"],
             "downloads":1,"likes":1,"modelId":"Salesforce/blip-image-captioning-base","author":"Salesforce",
             "sha":"1111111111222222222233333333334444444444","lastModified":"2023-08-01T14:14:37.000Z","gated":false,
             "disabled":false,"cardData":{"license":"bsd-3-clause"},
             "siblings":[
               {"rfilename":".gitattributes","blobId":"c7d9f3332a950355d5a77d85000f05e6f45435ea","size":1477},
               {"rfilename":"config.json","blobId":"9a1bd4da2e7f9b8ee7b8e1e1a4e1c9c3f0f0d7a1","size":4563},
               {"rfilename":"pytorch_model.bin","blobId":"0e3c0cd30b8ba5b0ad7d8a7e56e1c3e3e1f6f3a3","size":989820849,
                "lfs":{"sha256":"aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffff0123","size":989820849,"pointerSize":135}}
             ],
             "spaces":[],"createdAt":"2022-12-12T15:19:02.000Z","usedStorage":1}
            """;

        var info = JsonSerializer.Deserialize<HubRevisionInfo>(json)!;

        Assert.Equal("1111111111222222222233333333334444444444", info.Commit);
        Assert.Equal([".gitattributes", "config.json", "pytorch_model.bin"], info.Siblings.Select(s => s.FileName));
        Assert.Equal(989820849, info.Find("pytorch_model.bin")!.ContentSize);
        Assert.Equal("aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffff0123", info.Find("pytorch_model.bin")!.Lfs!.Sha256);
        Assert.Equal(4563, info.Find("config.json")!.ContentSize);
    }

    [Fact]
    public void HubSibling_JsonWithoutBlobs_HasOnlyAName()
    {
        var sibling = JsonSerializer.Deserialize<HubSibling>("""{"rfilename":"vocab.txt"}""")!;

        Assert.Equal("vocab.txt", sibling.FileName);
        Assert.Null(sibling.ContentSize);
        Assert.Null(sibling.BlobId);
        Assert.Null(sibling.Lfs);
    }

    [Theory]
    [InlineData("\"abc123\"", "abc123")]
    [InlineData("W/\"abc123\"", "abc123")]
    [InlineData("abc123", "abc123")]
    [InlineData("  ", null)]
    public void NormalizeETag_HubEtags_LoseWeakMarkerAndQuotes(string etag, string? expected) =>
        Assert.Equal(expected, HubClient.NormalizeETag(etag));

    [Theory]
    [InlineData("")]
    [InlineData("blip-image-captioning-base")]
    [InlineData("Salesforce/blip/extra")]
    [InlineData("../etc/passwd")]
    [InlineData("Sales force/blip")]
    public void ValidateRepo_NotOwnerSlashName_ThrowsSayingTheForm(string repo)
    {
        var error = Assert.Throws<ArgumentException>(() => HubClient.ValidateRepo(repo));

        Assert.Contains("owner/name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../main")]
    [InlineData("/main")]
    public void ValidateRevision_UnusableRevision_Throws(string revision) =>
        Assert.Throws<ArgumentException>(() => HubClient.ValidateRevision(revision));
}
