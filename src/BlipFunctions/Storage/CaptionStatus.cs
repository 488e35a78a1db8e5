namespace BlipFunctions.Storage;

/// <summary>The values of a caption row's <see cref="CaptionEntity.Status"/>.</summary>
public static class CaptionStatus
{
    /// <summary>The blob is being captioned (GET answers 202).</summary>
    public const string Processing = "processing";

    /// <summary>The caption is in the row.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>The blob cannot be captioned; <see cref="CaptionEntity.FailureReason"/> says why.</summary>
    public const string Failed = "failed";
}
