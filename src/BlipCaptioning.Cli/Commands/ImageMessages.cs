using System.Text.RegularExpressions;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// Words the captioning library's image errors for the command line. The library also answers uploads to the
/// Functions app, and some of its messages end with advice to an uploader ("Send the complete file.", "Scale it
/// down before sending it.") or name its settings (MaxBytes); here the advice goes and the setting becomes the
/// option that changes it.
/// </summary>
internal static partial class ImageMessages
{
    public static string ForCommandLine(string message)
    {
        string text = UploaderAdvice().Replace(message, "");
        text = text.Replace(" before sending it", " first", StringComparison.Ordinal)
            .Replace("(MaxBytes)", "(--max-image-bytes)", StringComparison.Ordinal)
            .Replace(" (MaxPixels)", "", StringComparison.Ordinal);
        return text.Trim();
    }

    /// <summary>A sentence that tells the sender what to send: "Send the complete file.", "Send a smaller ... image."</summary>
    [GeneratedRegex(@"\s*\bSend (the|a|an)\b[^.]*\.")]
    private static partial Regex UploaderAdvice();
}
