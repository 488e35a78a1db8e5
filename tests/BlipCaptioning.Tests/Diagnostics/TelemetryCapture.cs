using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using BlipCaptioning.Diagnostics;

namespace BlipCaptioning.Tests.Diagnostics;

/// <summary>
/// Listens to the captioner's ActivitySource and Meter and keeps what belongs to this test: the spans of the trace
/// under <see cref="Root"/>, and the metric points recorded while one of those spans was current. Other tests run
/// in parallel and record too; their spans and points belong to other traces and are left out.
/// </summary>
public sealed class TelemetryCapture : IDisposable
{
    private static readonly ActivitySource s_testSource = new("BlipCaptioning.Tests");
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<MetricPoint> _points = new();

    public TelemetryCapture()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name is CaptioningTelemetry.ActivitySourceName or "BlipCaptioning.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == TraceId && activity.Source.Name == CaptioningTelemetry.ActivitySourceName)
                {
                    _spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_activities);
        Root = s_testSource.StartActivity("test") ?? throw new InvalidOperationException("The test listener did not sample the root span.");
        TraceId = Root.TraceId;

        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CaptioningTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _meters.Start();
    }

    /// <summary>The test's root span: everything the captioner does under it is this test's.</summary>
    public Activity Root { get; }

    public ActivityTraceId TraceId { get; }

    public IReadOnlyList<Activity> Spans => [.. _spans];

    public IReadOnlyList<MetricPoint> Points => [.. _points];

    public Activity Span(string name) => Assert.Single(Spans, span => span.OperationName == name);

    public IReadOnlyList<MetricPoint> PointsOf(string instrument) => [.. Points.Where(point => point.Instrument == instrument)];

    public void Dispose()
    {
        Root.Dispose();
        _activities.Dispose();
        _meters.Dispose();
    }

    private void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Activity.Current?.TraceId == TraceId)
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            _points.Enqueue(new MetricPoint(instrument.Name, value, copy));
        }
    }
}

/// <summary>One measurement: the instrument, the value and its tags.</summary>
public sealed record MetricPoint(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public object? Tag(string name) => Tags.TryGetValue(name, out var value) ? value : null;
}
