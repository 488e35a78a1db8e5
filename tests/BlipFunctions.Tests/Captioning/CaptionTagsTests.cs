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
    public void Merge_BlobWithItsOwnTags_KeepsThemWithinTheLimitOfTen()
    {
        var existing = Enumerable.Range(0, 12).ToDictionary(i => $"user{i}", i => $"v{i}");
        existing[CaptionTags.CaptionKey] = "stale";

        Dictionary<string, string> tags = CaptionTags.Merge(existing, "a red bus");

        Assert.Equal(CaptionTags.MaxTags, tags.Count);
        Assert.Equal("a red bus", tags[CaptionTags.CaptionKey]);
        Assert.Equal("red bus", tags[CaptionTags.KeywordsKey]);
        Assert.Equal("v0", tags["user0"]);
    }

    [Fact]
    public void Merge_VeryLongCaption_FitsTheValueLimit()
    {
        Dictionary<string, string> tags = CaptionTags.Merge(new Dictionary<string, string>(), string.Join(' ', Enumerable.Repeat("word", 200)));

        Assert.All(tags.Values, v => Assert.InRange(v.Length, 0, CaptionTags.MaxValueLength));
        Assert.All(tags.Keys, k => Assert.InRange(k.Length, 1, 128));
    }
}
