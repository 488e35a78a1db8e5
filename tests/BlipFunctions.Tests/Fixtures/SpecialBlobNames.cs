namespace BlipFunctions.Tests.Fixtures;

/// <summary>
/// Blob names the trigger can deliver that hold every character Table keys or URLs treat specially. (A leading '/'
/// is not among them: the storage SDK drops it, so a blob uploaded as "/x.png" is named "x.png".)
/// </summary>
public static class SpecialBlobNames
{
    public static IReadOnlyList<string> All { get; } =
    [
        "holiday/beach.jpg",
        "deep/er/folder/photo.png",
        "with space.jpg",
        "  leading and trailing spaces  .jpg",
        "hash #1.jpg",
        "question?.png",
        "percent 100%.png",
        "literal %2F and %20.png",
        "plus+sign.png",
        "it's quoted \"twice\".png",
        "tilde~7E~!.png",
        "ampersand&equals=semicolon;.png",
        "[brackets]{braces}(parens)<angles>.png",
        "back`tick^caret|pipe.png",
        "ünïcödé/日本語/😀 emoji.jpg",
        "control\u0001\u001Fchars.png",
        "del\u007F and c1\u0085\u009F.png",
        "tab\there.png",
        "comma,colon:at@dollar$.png",
        "ends with space ",
        "a",
        LongName('x', 1024),
        "a" + LongName('/', 1023),
        "double//slash//folders.png",
        LongName('é', 1024),
    ];

    public static TheoryData<string> Theory()
    {
        var data = new TheoryData<string>();
        foreach (string name in All)
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>A name of <paramref name="length"/> characters made of repeats of "ab" and <paramref name="filler"/>.</summary>
    public static string LongName(char filler, int length) =>
        string.Concat(Enumerable.Range(0, length).Select(i => i % 3 == 0 ? filler : (char)('a' + (i % 26))));
}
