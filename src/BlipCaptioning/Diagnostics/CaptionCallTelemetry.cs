using System.Diagnostics;

namespace BlipCaptioning.Diagnostics;

/// <summary>
/// One captioning call's span (<see cref="CaptioningTelemetry.CaptionSpan"/>) and metric points: the active count
/// while admitted, then the outcome (captions by outcome, call duration, images, bytes and tokens). Dispose it last.
/// </summary>
internal sealed class CaptionCallTelemetry : IDisposable
{
    private readonly Activity? _span;
    private readonly int _images;
    private long _admitted;
    private bool _finished;

    public CaptionCallTelemetry(int images)
    {
        _images = images;
        _span = CaptioningTelemetry.Source.StartActivity(CaptioningTelemetry.CaptionSpan);
        _span?.SetTag(CaptioningAttributes.BatchSize, images);
    }

    /// <summary>The call got its turn (past <see cref="CaptioningOptions.MaxConcurrency"/>).</summary>
    public void Admitted()
    {
        _admitted = Stopwatch.GetTimestamp();
        CaptioningTelemetry.ActiveCaptions.Add(1);
    }

    /// <summary>The model that runs the call.</summary>
    public void Model(string source, string precision)
    {
        _span?.SetTag(CaptioningAttributes.ModelSource, source);
        _span?.SetTag(CaptioningAttributes.ModelPrecision, precision);
    }

    /// <summary>One image was decoded.</summary>
    public void ImageDecoded(ImageFacts facts)
    {
        var format = new KeyValuePair<string, object?>(CaptioningAttributes.ImageFormat, facts.Format);
        CaptioningTelemetry.ImagesDecoded.Add(1, format);
        CaptioningTelemetry.ImageBytes.Add(facts.Bytes, format);
        if (_images == 1)
        {
            _span?.SetTag(CaptioningAttributes.ImageWidth, facts.Width);
            _span?.SetTag(CaptioningAttributes.ImageHeight, facts.Height);
            _span?.SetTag(CaptioningAttributes.ImageFormat, facts.Format);
            _span?.SetTag(CaptioningAttributes.ImageBytes, facts.Bytes);
        }
    }

    public void Succeeded(IReadOnlyList<Caption> captions)
    {
        long tokens = 0;
        foreach (var caption in captions)
        {
            tokens += caption.Timings.Steps;
        }

        CaptioningTelemetry.TokensGenerated.Add(tokens);
        _span?.SetTag(CaptioningAttributes.TokensGenerated, tokens);
        Finish(CaptionOutcomes.Succeeded, errorType: null);
    }

    public void Failed(Exception exception)
    {
        string errorType = CaptioningErrorTypes.Of(exception);
        string outcome = exception is OperationCanceledException ? CaptionOutcomes.Cancelled : CaptionOutcomes.Failed;
        if (_span is not null)
        {
            _span.SetStatus(ActivityStatusCode.Error, exception.Message);
            _span.AddException(exception);
        }

        Finish(outcome, errorType);
    }

    public void Dispose()
    {
        if (_admitted != 0)
        {
            CaptioningTelemetry.ActiveCaptions.Add(-1);
            _admitted = 0;
        }

        _span?.Dispose();
    }

    private void Finish(string outcome, string? errorType)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        var tags = new TagList { { CaptioningAttributes.Outcome, outcome } };
        if (errorType is not null)
        {
            tags.Add(CaptioningAttributes.ErrorType, errorType);
        }

        _span?.SetTag(CaptioningAttributes.Outcome, outcome);
        _span?.SetTag(CaptioningAttributes.ErrorType, errorType);
        CaptioningTelemetry.Captions.Add(_images, tags);
        if (_admitted != 0)
        {
            CaptioningTelemetry.CaptionDuration.Record(Stopwatch.GetElapsedTime(_admitted).TotalSeconds, tags);
        }
    }
}
