namespace BlipCaptioning.Search;

/// <summary>Argument checks shared by the search strategies.</summary>
internal static class SearchArguments
{
    public static void Check(IDecoderRun decoder, ReadOnlySpan<long> decoderStart, int rowsPerImage)
    {
        if (decoderStart.IsEmpty)
        {
            throw new ArgumentException("The decoder start is empty; it must hold at least [DEC] (30522). Use BlipTokenizer.EncodePrompt.", nameof(decoderStart));
        }

        if (decoder.Rows <= 0 || decoder.Rows % rowsPerImage != 0)
        {
            throw new ArgumentException(
                $"The decoder run has {decoder.Rows} rows; this strategy needs {rowsPerImage} row(s) per image, so a positive multiple of {rowsPerImage}.", nameof(decoder));
        }

        if (decoder.VocabularySize <= 0)
        {
            throw new ArgumentException($"The decoder run reports a vocabulary of {decoder.VocabularySize}.", nameof(decoder));
        }
    }
}
