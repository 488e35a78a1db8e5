using Microsoft.Extensions.Logging;

namespace BlipCaptioning.Inference;

/// <summary>The captioner's log messages (source-generated).</summary>
internal static partial class CaptioningLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Loaded BLIP model {Source} ({Precision}) from {ModelDirectory} in {ElapsedMs} ms")]
    public static partial void ModelLoaded(ILogger logger, string source, string precision, string modelDirectory, double elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Could not load the BLIP model from {ModelDirectory}")]
    public static partial void ModelLoadFailed(ILogger logger, Exception exception, string modelDirectory);
}
