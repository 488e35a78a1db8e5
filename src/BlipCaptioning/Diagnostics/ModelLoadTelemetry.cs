using System.Diagnostics;

namespace BlipCaptioning.Diagnostics;

/// <summary>Records a model load that has ended: its span (<see cref="CaptioningTelemetry.ModelLoadSpan"/>, a child of the caption that loaded it) and its duration.</summary>
internal static class ModelLoadTelemetry
{
    /// <summary>A load that started at <paramref name="startedTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>) succeeded.</summary>
    public static void Loaded(long startedTimestamp, string source, string precision)
    {
        var elapsed = Stopwatch.GetElapsedTime(startedTimestamp);
        using var span = Start(elapsed);
        span?.SetTag(CaptioningAttributes.ModelSource, source);
        span?.SetTag(CaptioningAttributes.ModelPrecision, precision);
        span?.SetTag(CaptioningAttributes.Outcome, CaptionOutcomes.Succeeded);
        CaptioningTelemetry.ModelLoadDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(CaptioningAttributes.Outcome, CaptionOutcomes.Succeeded));
    }

    /// <summary>A load that started at <paramref name="startedTimestamp"/> failed with <paramref name="exception"/>.</summary>
    public static void Failed(long startedTimestamp, Exception exception)
    {
        var elapsed = Stopwatch.GetElapsedTime(startedTimestamp);
        string errorType = CaptioningErrorTypes.Of(exception);
        using var span = Start(elapsed);
        span?.SetTag(CaptioningAttributes.Outcome, CaptionOutcomes.Failed);
        span?.SetTag(CaptioningAttributes.ErrorType, errorType);
        span?.SetStatus(ActivityStatusCode.Error, exception.Message);
        CaptioningTelemetry.ModelLoadDuration.Record(elapsed.TotalSeconds,
            new KeyValuePair<string, object?>(CaptioningAttributes.Outcome, CaptionOutcomes.Failed),
            new KeyValuePair<string, object?>(CaptioningAttributes.ErrorType, errorType));
    }

    // The span is written when the load has ended, with its measured start, so that the load code itself is untouched.
    private static Activity? Start(TimeSpan elapsed) =>
        CaptioningTelemetry.Source.StartActivity(CaptioningTelemetry.ModelLoadSpan, ActivityKind.Internal, parentContext: default, startTime: DateTimeOffset.UtcNow - elapsed);
}
