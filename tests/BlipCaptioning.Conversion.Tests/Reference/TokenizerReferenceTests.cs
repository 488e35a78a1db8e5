using BlipCaptioning.Model;
using BlipCaptioning.Tokenization;
using Xunit.Abstractions;

namespace BlipCaptioning.Conversion.Tests.Reference;

/// <summary>
/// Our prompt encoding against transformers 5.17's BertTokenizer over the same vocabulary (index.json tokenizer.cases:
/// the ids of tokenizer(text) and decode(ids, skip_special_tokens=True)).
/// </summary>
public sealed class TokenizerReferenceTests(ITestOutputHelper output)
{
    // transformers maps special-token names typed in the text to their ids; we treat them as plain text on purpose
    // (docs/generation.md, "Side effect of our pre-tokenizer").
    private const string TypedSpecialTokens = "[SEP] typed [CLS]";

    private static readonly BlipTokenizer Tokenizer = BlipTokenizer.Create(Path.Combine(ReferenceIndex.Folder, "a", "checkpoint", "vocab.txt"));

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var item in ReferenceIndex.Root.GetProperty("tokenizer").GetProperty("cases").EnumerateArray())
        {
            data.Add(item.GetProperty("text").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EncodePrompt_Text_IdsEqualTransformers5BertTokenizer(string text)
    {
        var theirs = ReferenceIndex.Ids(Case(text).GetProperty("ids"));

        var ours = Tokenizer.EncodePrompt(text);

        if (text == TypedSpecialTokens)
        {
            Assert.Equal([101L, 102, 21189, 101, 102], theirs);
            Assert.DoesNotContain(102L, ours);
            return;
        }

        // transformers' decoder start: [CLS] replaced by [DEC], the trailing [SEP] dropped.
        Assert.Equal([BlipModelContract.DecoderStartTokenId, .. theirs[1..^1]], ours);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_TransformersIds_MatchesTransformers5UpToTheDocumentedApostropheCleanup(string text)
    {
        var item = Case(text);
        var ids = ReferenceIndex.Ids(item.GetProperty("ids"));
        var theirs = item.GetProperty("decoded").GetString()!;

        var ours = Tokenizer.Decode(ids);

        output.WriteLine($"{text}: ours \"{ours}\", transformers 5 \"{theirs}\"");
        // transformers 5 no longer runs clean_up_tokenization on decode, so "don ' t" keeps its spaces there; we follow
        // transformers 4.x's cleanup (docs/generation.md), which joins them. Everything else is identical.
        Assert.Equal(theirs.Replace(" ' ", "'", StringComparison.Ordinal), ours.Replace(" ' ", "'", StringComparison.Ordinal));
    }

    private static System.Text.Json.JsonElement Case(string text) =>
        ReferenceIndex.Root.GetProperty("tokenizer").GetProperty("cases").EnumerateArray().Single(item => item.GetProperty("text").GetString() == text);
}
