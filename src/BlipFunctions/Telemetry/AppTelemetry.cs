using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BlipFunctions.Telemetry;

/// <summary>
/// The Functions app's own <see cref="ActivitySource"/> and <see cref="Meter"/> ("BlipFunctions"): the spans of the
/// storage steps around a caption and the outcome of every upload and request. The captioner's are
/// <see cref="BlipCaptioning.Diagnostics.CaptioningTelemetry"/>'s. docs/operations.md lists them.
/// </summary>
public static class AppTelemetry
{
    public const string ActivitySourceName = "BlipFunctions";

    public const string MeterName = "BlipFunctions";

    /// <summary>Counter of captioning outcomes: trigger, outcome (succeeded, failed, retried) and reason category.</summary>
    public const string OutcomesMetric = "blip.functions.outcomes";

    /// <summary>Histogram (seconds) of one upload or request, from the trigger to the stored row or the answer.</summary>
    public const string DurationMetric = "blip.functions.duration";

    /// <summary>Attribute: "blob" or "http".</summary>
    public const string TriggerAttribute = "blip.trigger";

    /// <summary>Attribute: the blob name (container/name) of a blob-triggered caption.</summary>
    public const string BlobAttribute = "blip.blob";

    /// <summary>Attribute: "succeeded", "failed" or "retried".</summary>
    public const string OutcomeAttribute = "blip.outcome";

    /// <summary>Attribute: why it failed or is retried, a short category.</summary>
    public const string ReasonAttribute = "error.type";

    /// <summary>Span of one blob-triggered upload (the worker's invocation span is its parent).</summary>
    public const string BlobSpan = "blip.blob";

    /// <summary>Span of one POST /api/captions.</summary>
    public const string RequestSpan = "blip.request";

    /// <summary>Span of the image download (the Azure SDK's blob call is its child).</summary>
    public const string DownloadSpan = "blip.download";

    /// <summary>Span of the blob index tags read and write.</summary>
    public const string TagsSpan = "blip.tags";

    /// <summary>Span of a caption row read.</summary>
    public const string TableReadSpan = "blip.table.read";

    /// <summary>Span of a caption row write (claim, result, retry note).</summary>
    public const string TableWriteSpan = "blip.table.write";

    /// <summary>Span of a succeeded caption's keyword index entries and the row's indexed flag (their writes are its children).</summary>
    public const string KeywordIndexSpan = "blip.keywords.index";

    private static readonly string? s_version = typeof(AppTelemetry).Assembly.GetName().Version?.ToString();

    internal static readonly ActivitySource Source = new(ActivitySourceName, s_version);

    internal static readonly Meter Meter = new(MeterName, s_version);

    internal static readonly Counter<long> Outcomes = Meter.CreateCounter<long>(OutcomesMetric, "{upload}", "Uploads and requests by outcome.");

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(DurationMetric, "s", "Duration of uploads and requests, trigger to answer.");
}
