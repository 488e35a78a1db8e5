using BlipCaptioning.Inference;
using Microsoft.Extensions.Logging;

namespace BlipCaptioning;

/// <summary>The captioner's log messages (source-generated).</summary>
internal static partial class CaptioningLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Loaded BLIP model {Source} ({Precision}) from {ModelDirectory} in {ElapsedMs} ms; ONNX Runtime threads: {Threading}")]
    public static partial void ModelLoaded(ILogger logger, string source, string precision, string modelDirectory, double elapsedMs, SessionThreading threading);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "The BLIP model's sessions start their own thread pools instead of the process's shared one: {Reason}. Captions may be slower; give every BLIP model of the process the same Captioning:IntraOpThreads and Captioning:AllowSpinning, or set Captioning:ThreadPool to PerSession to choose this")]
    public static partial void SharedThreadPoolUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Could not load the BLIP model from {ModelDirectory}")]
    public static partial void ModelLoadFailed(ILogger logger, Exception exception, string modelDirectory);
}
