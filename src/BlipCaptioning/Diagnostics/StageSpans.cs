using System.Diagnostics;

namespace BlipCaptioning.Diagnostics;

/// <summary>
/// Times consecutive captioning stages: each stage is a span (a child of the current activity) and a point of
/// <see cref="CaptioningTelemetry.StageDurationMetric"/>. Disposed before <see cref="Complete"/> (an exception), the
/// open stage's span ends with an error status, so a trace shows the stage that failed.
/// </summary>
internal sealed class StageSpans : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string _stage = "";
    private Activity? _span;
    private bool _completed;

    public StageSpans(string firstStage) => Begin(firstStage);

    /// <summary>Sets an attribute on the open stage's span (when something listens).</summary>
    public void SetTag(string name, object? value) => _span?.SetTag(name, value);

    /// <summary>Ends the open stage and starts <paramref name="stage"/>; returns the ended stage's duration.</summary>
    public TimeSpan Next(string stage)
    {
        var elapsed = End();
        Begin(stage);
        return elapsed;
    }

    /// <summary>Ends the last stage; returns its duration.</summary>
    public TimeSpan Complete()
    {
        _completed = true;
        return End();
    }

    public void Dispose()
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        _span?.SetStatus(ActivityStatusCode.Error, $"Interrupted during {_stage}");
        End();
    }

    private void Begin(string stage)
    {
        _stage = stage;
        _span = CaptioningTelemetry.Source.StartActivity(CaptionStage.SpanName(stage));
        _clock.Restart();
    }

    private TimeSpan End()
    {
        var elapsed = _clock.Elapsed;
        CaptioningTelemetry.StageDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(CaptioningAttributes.Stage, _stage));
        _span?.Dispose();
        _span = null;
        return elapsed;
    }
}
