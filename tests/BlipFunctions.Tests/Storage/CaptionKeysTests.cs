using BlipFunctions.Storage;
using BlipFunctions.Tests.Fixtures;

namespace BlipFunctions.Tests.Storage;

public sealed class CaptionKeysTests
{
    public static TheoryData<string> Names() => SpecialBlobNames.Theory();

    [Theory]
    [MemberData(nameof(Names))]
    public void RowKeyFor_EveryDeliverableName_HasNoForbiddenCharacterAndFitsOneKibibyte(string name)
    {
        Assert.Null(BlobNames.Validate(name));

        string key = CaptionKeys.RowKeyFor(name);

        Assert.InRange(key.Length, 1, CaptionKeys.MaxKeyLength);
        Assert.DoesNotContain(key, c => c is '/' or '\\' or '#' or '?' || c <= '\u001F' || c is >= '\u007F' and <= '\u009F');
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TryGetBlobName_ShortKey_GivesBackTheName(string name)
    {
        string key = CaptionKeys.RowKeyFor(name);

        bool decoded = CaptionKeys.TryGetBlobName(key, out string back);

        Assert.Equal(key.Contains("~!", StringComparison.Ordinal), !decoded);
        if (decoded)
        {
            Assert.Equal(name, back);
        }
    }

    [Fact]
    public void RowKeyFor_AllSpecialNames_AreDistinct()
    {
        var keys = SpecialBlobNames.All.Select(CaptionKeys.RowKeyFor).ToList();

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void RowKeyFor_LongNamesSharingTheirKeptPart_StillDiffer()
    {
        string common = SpecialBlobNames.LongName('#', 900);

        string first = CaptionKeys.RowKeyFor(common + "-first.jpg");
        string second = CaptionKeys.RowKeyFor(common + "-second.jpg");

        Assert.NotEqual(first, second);
        Assert.Equal(first[..first.IndexOf("~!", StringComparison.Ordinal)], second[..second.IndexOf("~!", StringComparison.Ordinal)]);
    }

    [Fact]
    public void RowKeyFor_ShortNameSpellingALongKey_DoesNotCollideWithIt()
    {
        string longName = SpecialBlobNames.LongName('x', 1000);
        string longKey = CaptionKeys.RowKeyFor(longName);

        string impostorKey = CaptionKeys.RowKeyFor(longKey);

        Assert.NotEqual(longKey, impostorKey);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("é")]
    [InlineData("😀")]
    public void RowKeyFor_LongName_KeepsWholeEscapesAndCharacters(string filler)
    {
        for (int shift = 0; shift < 6; shift++)
        {
            string name = new string('a', shift) + string.Concat(Enumerable.Repeat(filler + "b", 600));

            string key = CaptionKeys.RowKeyFor(name);
            string kept = key[..key.IndexOf("~!", StringComparison.Ordinal)];

            Assert.True(CaptionKeys.TryGetBlobName(kept, out string keptName), $"kept part '{kept}' does not decode");
            Assert.StartsWith(keptName, name, StringComparison.Ordinal);
            Assert.True(kept.Length >= CaptionKeys.MaxPrefixKeyLength);
        }
    }

    [Fact]
    public void RowKeyFor_EmojiAtTheCut_KeepsTheSurrogatePairWhole()
    {
        for (int shift = 0; shift < 3; shift++)
        {
            string name = new string('a', shift) + string.Concat(Enumerable.Repeat("😀", 400));

            string key = CaptionKeys.RowKeyFor(name);
            string kept = key[..key.IndexOf("~!", StringComparison.Ordinal)];

            Assert.False(char.IsHighSurrogate(kept[^1]));
            Assert.StartsWith(kept, name, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TryGetPrefixRange_KeysOfNamesWithThePrefix_FallInsideAndOthersOutside()
    {
        string[] names = [.. SpecialBlobNames.All, "holiday", "holiday/", "holidays/x.jpg", "holiday#/x.jpg", "holiday/\uFFFF.png"];
        foreach (string prefix in new[] { "", "holiday", "holiday/", "ünïcödé/", "hash #", "x", "percent 100%" })
        {
            Assert.True(CaptionKeys.TryGetPrefixRange(prefix, out string lower, out string upper));
            foreach (string name in names)
            {
                string key = CaptionKeys.RowKeyFor(name);
                bool inside = string.CompareOrdinal(key, lower) >= 0 && string.CompareOrdinal(key, upper) < 0;
                Assert.True(name.StartsWith(prefix, StringComparison.Ordinal) == inside, $"prefix '{prefix}', name '{name}'");
            }
        }
    }

    [Fact]
    public void TryGetPrefixRange_PrefixLongerThanLongKeysKeep_IsRefused()
    {
        Assert.False(CaptionKeys.TryGetPrefixRange(new string('/', 200), out _, out _));
        Assert.True(CaptionKeys.TryGetPrefixRange(new string('x', CaptionKeys.MaxPrefixKeyLength), out _, out _));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("folder\\file.jpg", "'\\'")]
    [InlineData("ends-with-dot.", "ends with")]
    [InlineData("folder/", "ends with")]
    public void Validate_NamesTheTriggerNeverDelivers_SayWhy(string name, string reason)
    {
        Assert.Contains(reason, BlobNames.Validate(name), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnpairedSurrogate_SaysTheCharacterIsBroken()
    {
        string name = "broken" + (char)0xD800 + "surrogate";

        Assert.Contains("surrogate", BlobNames.Validate(name), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NameOver1024Characters_SaysTheLimit()
    {
        Assert.Contains("1024", BlobNames.Validate(new string('x', 1025)), StringComparison.Ordinal);
    }
}
