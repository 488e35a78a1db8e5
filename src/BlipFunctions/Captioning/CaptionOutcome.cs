namespace BlipFunctions.Captioning;

/// <summary>What one blob-trigger invocation did.</summary>
public enum CaptionOutcome
{
    /// <summary>The blob was captioned and its row is <c>succeeded</c>.</summary>
    Captioned,

    /// <summary>The blob cannot be captioned and its row is <c>failed</c> with the reason.</summary>
    Failed,

    /// <summary>The row already holds the result for this blob version (a duplicate or replayed event).</summary>
    AlreadyDone,

    /// <summary>The row holds a newer version of the blob than the one this invocation saw.</summary>
    Superseded,

    /// <summary>The blob was deleted before it could be read.</summary>
    BlobGone,
}
