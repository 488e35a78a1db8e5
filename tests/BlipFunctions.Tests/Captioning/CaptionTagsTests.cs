using BlipFunctions.Captioning;

namespace BlipFunctions.Tests.Captioning;

public sealed class CaptionTagsTests
{
    [Fact]
    public void Keywords_Caption_AreItsContentWordsInOrderWithoutRepeats()
    {
        Assert.Equal(["dog", "running", "beach", "sunset"], CaptionTags.Keywords("a dog running on the beach at sunset, a dog"));
    }

    [Fact]
    public void Keywords_LongCaption_AreCappedAtEight()
    {
        Assert.Equal(CaptionTags.MaxKeywords, CaptionTags.Keywords("one two three four five six seven eight nine ten eleven").Count);
    }

    [Theory]
    [InlineData("a café with crème", "a caf with crme")]
    [InlineData("tags: a-z, 0-9 & more!", "tags: a-z 0-9 more")]
    [InlineData("##ing [unused] 日本 😀 x", "ing unused x")]
    [InlineData("keep + - . / : = _", "keep + - . / : = _")]
    public void Sanitise_Text_KeepsOnlyCharactersTagsAllow(string text, string expected)
    {
        Assert.Equal(expected, CaptionTags.Sanitise(text));
    }

    [Fact]
    public void TryMerge_BlobWithRoomForOurs_AddsCaptionAndKeywordsAndKeepsItsOwnTags()
    {
        var existing = Enumerable.Range(0, 8).ToDictionary(i => $"user{i}", i => $"v{i}");

        Assert.True(CaptionTags.TryMerge(existing, "a red bus", out Dictionary<string, string> tags));

        Assert.Equal(CaptionTags.MaxTags, tags.Count);
        Assert.Equal("a red bus", tags[CaptionTags.CaptionKey]);
        Assert.Equal("red bus", tags[CaptionTags.KeywordsKey]);
        Assert.All(existing, pair => Assert.Equal(pair.Value, tags[pair.Key]));
    }

    [Fact]
    public void TryMerge_StaleTagsOfOurs_AreReplacedNotCountedAsTheBlobsOwn()
    {
        var existing = Enumerable.Range(0, 8).ToDictionary(i => $"user{i}", i => $"v{i}");
        existing[CaptionTags.CaptionKey] = "an old caption";
        existing[CaptionTags.KeywordsKey] = "old caption";

        Assert.True(CaptionTags.TryMerge(existing, "a red bus", out Dictionary<string, string> tags));

        Assert.Equal("a red bus", tags[CaptionTags.CaptionKey]);
        Assert.Equal(CaptionTags.MaxTags, tags.Count);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(10)]
    public void TryMerge_NoRoomForOurs_KeepsEveryOneOfTheBlobsTagsAndDropsOurStaleOnes(int ownTags)
    {
        // Merge used to keep ours and silently drop the user's tags beyond the limit of 10.
        var existing = Enumerable.Range(0, ownTags).ToDictionary(i => $"user{i}", i => $"v{i}");
        var withStale = new Dictionary<string, string>(existing) { [CaptionTags.CaptionKey] = "an old caption" };

        Assert.False(CaptionTags.TryMerge(withStale, "a red bus", out Dictionary<string, string> tags));

        Assert.Equal(existing, tags);
        Assert.True(CaptionTags.HasOurs(withStale));
        Assert.False(CaptionTags.HasOurs(tags));
    }

    [Fact]
    public void NoRoomError_SaysHowManyTagsToRemove()
    {
        string error = CaptionTags.NoRoomError(9);

        Assert.Contains("9 index tags of its own", error, StringComparison.Ordinal);
        Assert.Contains("remove 1 of its tags", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryMerge_VeryLongCaption_FitsTheValueLimit()
    {
        Assert.True(CaptionTags.TryMerge(new Dictionary<string, string>(), string.Join(' ', Enumerable.Repeat("word", 200)), out Dictionary<string, string> tags));

        Assert.All(tags.Values, v => Assert.InRange(v.Length, 0, CaptionTags.MaxValueLength));
        Assert.All(tags.Keys, k => Assert.InRange(k.Length, 1, 128));
    }
}
