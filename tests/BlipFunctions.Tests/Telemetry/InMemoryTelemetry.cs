using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BlipFunctions.Tests.Telemetry;

/// <summary>
/// OpenTelemetry's in-memory exporter added to the app's own providers (registered by Program.cs's wiring), and a
/// root span under which a test runs: <see cref="Spans"/> are that trace's spans. The Azurite tests run one after
/// another, so the metric points of a host's providers are its test's.
/// </summary>
public sealed class InMemoryTelemetry : IDisposable
{
    private const string TestSourceName = "BlipFunctions.Tests";
    private static readonly ActivitySource s_testSource = new(TestSourceName);
    private readonly List<Activity> _exported = [];
    private readonly List<MetricSnapshot> _metrics = [];
    private IServiceProvider? _services;
    private Activity? _root;

    /// <summary>Pass to <c>FunctionsAppHost.Create(services: ...)</c>.</summary>
    public void AddTo(IServiceCollection services) => services.AddOpenTelemetry()
        .WithTracing(tracing => tracing.AddSource(TestSourceName).AddInMemoryExporter(_exported))
        .WithMetrics(metrics => metrics.AddInMemoryExporter(_metrics));

    /// <summary>Builds the providers of the app's services (a host that is never run does not) and starts the root span.</summary>
    public Activity Start(IServiceProvider services)
    {
        _services = services;
        _ = services.GetRequiredService<TracerProvider>();
        _ = services.GetRequiredService<MeterProvider>();
        _root = s_testSource.StartActivity("test") ?? throw new InvalidOperationException("The root span was not sampled.");
        return _root;
    }

    public ActivityTraceId TraceId => _root!.TraceId;

    public IReadOnlyList<Activity> Spans { get; private set; } = [];

    /// <summary>Ends the root span and exports everything recorded so far.</summary>
    public void Collect()
    {
        _root?.Stop();
        _services!.GetRequiredService<TracerProvider>().ForceFlush();
        _services!.GetRequiredService<MeterProvider>().ForceFlush();
        Spans = [.. _exported.Where(span => span.TraceId == TraceId)];
    }

    public Activity SpanNamed(string name) => Assert.Single(Spans, span => span.OperationName == name);

    public IEnumerable<Activity> ChildrenOf(Activity parent) => Spans.Where(span => span.ParentSpanId == parent.SpanId).OrderBy(span => span.StartTimeUtc);

    /// <summary>The sum (counters) or count (histograms) of the points of <paramref name="instrument"/> whose tags include <paramref name="tags"/>.</summary>
    public double Total(string instrument, params (string Key, object? Value)[] tags)
    {
        MetricSnapshot? snapshot = _metrics.LastOrDefault(metric => metric.Name == instrument);
        if (snapshot is null)
        {
            return 0;
        }

        double total = 0;
        foreach (MetricPoint point in snapshot.MetricPoints)
        {
            var pointTags = new Dictionary<string, object?>();
            foreach (var tag in point.Tags)
            {
                pointTags[tag.Key] = tag.Value;
            }

            if (tags.All(tag => pointTags.TryGetValue(tag.Key, out var value) && Equals(value, tag.Value)))
            {
                total += snapshot.MetricType switch
                {
                    MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong(),
                    MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => point.GetSumDouble(),
                    MetricType.Histogram => point.GetHistogramCount(),
                    _ => throw new InvalidOperationException($"{instrument} is a {snapshot.MetricType}."),
                };
            }
        }

        return total;
    }

    public void Dispose() => _root?.Dispose();
}
