using BlipCaptioning.Tokenization;

namespace BlipCaptioning.Tests.Tokenization;

public sealed class BlipTokenizerTests
{
    private static readonly string VocabularyPath =
        Path.Combine(AppContext.BaseDirectory, "fixtures", "vocab", "bert-base-uncased-vocab.txt");

    private static readonly Lazy<BlipTokenizer> s_tokenizer = new(() => BlipTokenizer.Create(VocabularyPath));

    private static BlipTokenizer Tokenizer => s_tokenizer.Value;

    [Fact]
    public void Create_RealVocabulary_HasBertBaseUncasedSize()
    {
        Assert.Equal(30522, Tokenizer.VocabularyCount);
    }

    [Fact]
    public void Create_FromStream_EncodesLikeFromPath()
    {
        using var stream = File.OpenRead(VocabularyPath);
        var fromStream = BlipTokenizer.Create(stream);

        Assert.Equal(Tokenizer.EncodePrompt("a picture of"), fromStream.EncodePrompt("a picture of"));
    }

    [Fact]
    public void Create_MissingFile_ThrowsFileNotFoundNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-vocab-{Guid.NewGuid():N}.txt");

        var error = Assert.Throws<FileNotFoundException>(() => BlipTokenizer.Create(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_VocabularyWithoutBertSpecialTokens_ThrowsInvalidData()
    {
        using var stream = new MemoryStream("hello\nworld\n"u8.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => BlipTokenizer.Create(stream));

        Assert.Contains("[PAD]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void EncodePrompt_NoPrompt_IsDecoderStartOnly(string? prompt)
    {
        Assert.Equal([30522L], Tokenizer.EncodePrompt(prompt));
    }

    [Fact]
    public void EncodePrompt_WhiteSpaceOnly_IsDecoderStartOnly()
    {
        // transformers: tokenizer("   ") = [101, 102] -> [30522].
        Assert.Equal([30522L], Tokenizer.EncodePrompt("   "));
    }

    [Fact]
    public void EncodePrompt_APictureOf_ReplacesClsByDecAndDropsSep()
    {
        // [CLS] a picture of [SEP] -> [DEC] a picture of: the prompt of Salesforce's BLIP captioning code (models/blip.py).
        Assert.Equal([30522L, 1037, 3861, 1997], Tokenizer.EncodePrompt("a picture of"));
    }

    [Fact]
    public void EncodePrompt_PaperPromptWithTrailingSpace_SameIdsAsWithout()
    {
        Assert.Equal([30522L, 1037, 3861, 1997], Tokenizer.EncodePrompt(CaptionSettings.Paper.Prompt));
    }

    [Fact]
    public void EncodePrompt_APhotographyOf_MatchesTransformersProcessor()
    {
        // processor(text="a photography of") -> [101, 1037, 5855, 1997, 102].
        Assert.Equal([30522L, 1037, 5855, 1997], Tokenizer.EncodePrompt("a photography of"));
    }

    [Fact]
    public void EncodePrompt_UpperCase_IsLowerCased()
    {
        Assert.Equal(Tokenizer.EncodePrompt("a picture of"), Tokenizer.EncodePrompt("A Picture OF"));
    }

    [Fact]
    public void EncodePrompt_Punctuation_IsSplitIntoOwnTokens()
    {
        // hello , world !
        Assert.Equal([30522L, 7592, 1010, 2088, 999], Tokenizer.EncodePrompt("hello, world!"));
    }

    [Fact]
    public void EncodePrompt_Apostrophe_IsSplit()
    {
        // it ' s
        Assert.Equal([30522L, 2009, 1005, 1055], Tokenizer.EncodePrompt("it's"));
    }

    [Theory]
    [InlineData("café", new long[] { 30522, 7668 })]
    [InlineData("CAFÉ", new long[] { 30522, 7668 })]
    [InlineData("Naïve résumé", new long[] { 30522, 15743, 13746 })]
    public void EncodePrompt_Accents_AreStripped(string prompt, long[] expected)
    {
        Assert.Equal(expected, Tokenizer.EncodePrompt(prompt));
    }

    [Fact]
    public void EncodePrompt_Digits_UseWordPieces()
    {
        // 202 ##4 photos ; 12 cats
        Assert.Equal([30522L, 16798, 2549, 7760], Tokenizer.EncodePrompt("2024 photos"));
        Assert.Equal([30522L, 2260, 8870], Tokenizer.EncodePrompt("12 cats"));
    }

    [Fact]
    public void EncodePrompt_CjkCharacters_AreEachTheirOwnToken()
    {
        // 中 文, written without a space between them.
        Assert.Equal([30522L, 1746, 1861], Tokenizer.EncodePrompt("中文"));
    }

    [Fact]
    public void EncodePrompt_WordMissingFromVocabulary_IsUnknownId()
    {
        // 猫 is not in bert-base-uncased; ☃ neither: each whole word becomes [UNK] 100.
        Assert.Equal([30522L, 100, 1998, 3899], Tokenizer.EncodePrompt("猫 and dog"));
        Assert.Equal([30522L, 1037, 100, 4586, 2386], Tokenizer.EncodePrompt("a ☃ snowman"));
    }

    [Fact]
    public void EncodePrompt_AsciiSymbols_AreSplitLikePunctuation()
    {
        // Hugging Face treats every ASCII symbol as punctuation: $ 5 a _ b ; 1 + 1 = 2.
        Assert.Equal([30522L, 1002, 1019, 1037, 1035, 1038], Tokenizer.EncodePrompt("$5 a_b"));
        Assert.Equal([30522L, 1015, 1009, 1015, 1027, 1016], Tokenizer.EncodePrompt("1+1=2"));
    }

    [Fact]
    public void EncodePrompt_CombiningAccent_IsRemoved()
    {
        // "e" followed by U+0301 COMBINING ACUTE ACCENT.
        Assert.Equal([30522L, 12431], Tokenizer.EncodePrompt("e\u0301cole"));
    }

    [Fact]
    public void EncodePrompt_HangulSyllables_DecomposeIntoJamoLikeNfd()
    {
        // 한국 -> ᄒ ##ᅡ ##ᆫ ##ᄀ ##ᅮ ##ᆨ (bert-base-uncased strips accents through NFD, which splits Hangul syllables).
        Assert.Equal([30522L, 1469, 30006, 30021, 29991, 30014, 30020], Tokenizer.EncodePrompt("한국"));
    }

    [Fact]
    public void EncodePrompt_UpperCaseGreek_IsLowerCased()
    {
        // ω ##me ##ga
        Assert.Equal([30522L, 1179, 4168, 3654], Tokenizer.EncodePrompt("Ωmega"));
    }

    [Fact]
    public void EncodePrompt_TabsAndNoBreakSpaces_SeparateWords()
    {
        Assert.Equal([30522L, 1060, 1061, 1062], Tokenizer.EncodePrompt("x\tY\u00a0z"));
    }

    [Fact]
    public void EncodePrompt_RareWord_SplitsIntoWordPieces()
    {
        // x ##yl ##ophone
        Assert.Equal([30522L, 1060, 8516, 25232], Tokenizer.EncodePrompt("xylophone"));
    }

    [Fact]
    public void Decode_UnconditionalReferenceIds_IsPublishedCaption()
    {
        // transformers test_inference_image_captioning, no prompt.
        long[] ids = [30522, 1037, 2450, 3564, 2006, 1996, 3509, 2007, 2014, 3899, 102];

        Assert.Equal("a woman sitting on the beach with her dog", Tokenizer.Decode(ids));
    }

    [Fact]
    public void Decode_ConditionalReferenceIds_IncludesThePrompt()
    {
        // transformers test_inference_image_captioning, prompt "a picture of".
        long[] ids = [30522, 1037, 3861, 1997, 1037, 2450, 1998, 2014, 3899, 2006, 1996, 3509, 102];

        Assert.Equal("a picture of a woman and her dog on the beach", Tokenizer.Decode(ids));
    }

    [Fact]
    public void Decode_ModelCardConditionalIds_IsModelCardCaption()
    {
        // Model card: prompt "a photography of" -> "a photography of a woman and her dog".
        long[] ids = [30522, 1037, 5855, 1997, 1037, 2450, 1998, 2014, 3899, 102];

        Assert.Equal("a photography of a woman and her dog", Tokenizer.Decode(ids));
    }

    [Fact]
    public void Decode_PaddedRow_DropsPadAndSpecialIds()
    {
        long[] ids = [30522, 2048, 8870, 5777, 2006, 1037, 6411, 102, 0, 0, 101, 100, 103, 30523];

        Assert.Equal("two cats sleeping on a couch", Tokenizer.Decode(ids));
    }

    [Theory]
    [InlineData("two cats sleeping on a couch")]
    [InlineData("a woman sitting on the beach with her dog")]
    [InlineData("hello, world!")]
    [InlineData("it's a dog's life, isn't it?")]
    [InlineData("i'm sure they're fine, we've seen it.")]
    [InlineData("a xylophone and 2024 photos")]
    [InlineData("中 文")]
    public void Decode_EncodedPrompt_RoundTrips(string text)
    {
        Assert.Equal(text, Tokenizer.Decode(Tokenizer.EncodePrompt(text)));
    }

    [Fact]
    public void Decode_Accents_AreGone()
    {
        Assert.Equal("cafe au lait", Tokenizer.Decode(Tokenizer.EncodePrompt("Café au lait")));
    }

    [Fact]
    public void Decode_WordPieces_GlueWithoutSpace()
    {
        // photo ##graphy ; run ##ning
        Assert.Equal("photography running", Tokenizer.Decode([6302, 12565, 2448, 5582]));
    }

    [Fact]
    public void Decode_FirstTokenIsWordPiece_KeepsItsPrefixLikeHuggingFaceTokenizers()
    {
        // tokenizers' WordPiece decoder only strips "##" from tokens after the first one.
        Assert.Equal("##ing play", Tokenizer.Decode([30522, 2075, 2377]));
    }

    [Fact]
    public void Decode_SpacesBeforePunctuation_AreRemoved()
    {
        // a dog . a dog ? a dog ! a dog , ...
        Assert.Equal("a dog. a dog? a dog! a dog, a dog...", Tokenizer.Decode([1037, 3899, 1012, 1037, 3899, 1029, 1037, 3899, 999, 1037, 3899, 1010, 1037, 3899, 2133]));
    }

    [Fact]
    public void Decode_Contractions_AreJoined()
    {
        // don ' t -> "don't" (the " ' " rule); "do not" is NOT turned into "don't".
        Assert.Equal("don't", Tokenizer.Decode([2123, 1005, 1056]));
        Assert.Equal("do not", Tokenizer.Decode([2079, 2025]));
    }

    [Fact]
    public void Decode_UnknownId_IsDropped()
    {
        Assert.Equal("and dog", Tokenizer.Decode([30522, 100, 1998, 3899]));
    }

    [Fact]
    public void Decode_Empty_IsEmptyString()
    {
        Assert.Equal(string.Empty, Tokenizer.Decode([]));
        Assert.Equal(string.Empty, Tokenizer.Decode([30522, 102]));
    }

    [Fact]
    public void DecodeCaption_StripPrompt_RemovesPromptTextLikeSalesforce()
    {
        long[] ids = [30522, 1037, 3861, 1997, 1037, 2450, 1998, 2014, 3899, 2006, 1996, 3509, 102];

        Assert.Equal("a woman and her dog on the beach", Tokenizer.DecodeCaption(ids, promptLength: 4, stripPrompt: true));
    }

    [Fact]
    public void DecodeCaption_KeepPrompt_IsFullDecode()
    {
        long[] ids = [30522, 1037, 3861, 1997, 1037, 2450, 102];

        Assert.Equal("a picture of a woman", Tokenizer.DecodeCaption(ids, promptLength: 4, stripPrompt: false));
    }

    [Fact]
    public void DecodeCaption_NoPrompt_StripChangesNothing()
    {
        long[] ids = [30522, 2048, 8870, 5777, 2006, 1037, 6411, 102];

        Assert.Equal("two cats sleeping on a couch", Tokenizer.DecodeCaption(ids, promptLength: 1, stripPrompt: true));
    }

    [Fact]
    public void DecodeCaption_PromptMergedByCleanup_DecodesGeneratedIdsOnly()
    {
        // prompt "it '" then "s": the full text is "it's dog", which does not start with the prompt text "it '".
        long[] ids = [30522, 2009, 1005, 1055, 3899, 102];

        Assert.Equal("s dog", Tokenizer.DecodeCaption(ids, promptLength: 3, stripPrompt: true));
    }

    [Fact]
    public void DecodeCaption_PromptLongerThanSequence_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.DecodeCaption([30522, 1037], promptLength: 3, stripPrompt: true));
    }
}
