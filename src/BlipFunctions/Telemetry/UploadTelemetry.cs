using System.Diagnostics;
using BlipCaptioning;
using BlipCaptioning.Diagnostics;
using Microsoft.Extensions.Logging;

namespace BlipFunctions.Telemetry;

/// <summary>
/// One upload (blob trigger) or request (POST) from start to outcome: its span, its outcome metric points and its
/// one structured outcome log. The code it wraps reaches it through <see cref="Current"/> to add what only it knows
/// (the caption and model, a failure's category and reason).
/// </summary>
internal sealed partial class UploadTelemetry : IDisposable
{
    private static readonly AsyncLocal<UploadTelemetry?> s_current = new();

    private readonly Activity? _span;
    private readonly string _trigger;
    private readonly string? _blob;
    private readonly ILogger _logger;
    private readonly long _started = Stopwatch.GetTimestamp();
    private Caption? _caption;
    private ModelDescription? _model;
    private string? _category;
    private string? _detail;
    private bool _recorded;

    private UploadTelemetry(string spanName, string trigger, string? blob, ILogger logger)
    {
        _trigger = trigger;
        _blob = blob;
        _logger = logger;
        _span = AppTelemetry.Source.StartActivity(spanName);
        _span?.SetTag(AppTelemetry.TriggerAttribute, trigger);
        _span?.SetTag(AppTelemetry.BlobAttribute, blob);
    }

    /// <summary>The upload or request the calling code runs in; null outside one.</summary>
    public static UploadTelemetry? Current => s_current.Value;

    /// <summary>Starts the telemetry of one upload or request and makes it <see cref="Current"/> for the code it runs.</summary>
    public static UploadTelemetry Start(string spanName, string trigger, string? blob, ILogger logger)
    {
        var telemetry = new UploadTelemetry(spanName, trigger, blob, logger);
        s_current.Value = telemetry;
        return telemetry;
    }

    /// <summary>The image was captioned by <paramref name="model"/>.</summary>
    public void Captioned(Caption caption, ModelDescription model)
    {
        _caption = caption;
        _model = model;
        _span?.SetTag(CaptioningAttributes.ModelSource, model.Source);
        _span?.SetTag(CaptioningAttributes.ModelPrecision, model.Precision);
        _span?.SetTag(CaptioningAttributes.TokensGenerated, caption.Timings.Steps);
    }

    /// <summary>The upload will end <c>failed</c>: a short <paramref name="category"/> for metrics and a <paramref name="reason"/> for people.</summary>
    public void Failing(string category, string reason)
    {
        _category = category;
        _detail = reason;
    }

    /// <summary>Records the outcome: <see cref="Outcomes"/>'s values; <paramref name="category"/> overrides a noted failure category.</summary>
    public void Finish(string outcome, string? category = null, Exception? error = null)
    {
        if (_recorded)
        {
            return;
        }

        _recorded = true;
        string? reason = category ?? (outcome is Outcomes.Failed or Outcomes.Retried ? _category : null);
        double elapsedMs = Stopwatch.GetElapsedTime(_started).TotalMilliseconds;
        var tags = new TagList { { AppTelemetry.TriggerAttribute, _trigger }, { AppTelemetry.OutcomeAttribute, outcome } };
        if (reason is not null)
        {
            tags.Add(AppTelemetry.ReasonAttribute, reason);
        }

        AppTelemetry.Outcomes.Add(1, tags);
        AppTelemetry.Duration.Record(elapsedMs / 1000, tags);
        _span?.SetTag(AppTelemetry.OutcomeAttribute, outcome);
        _span?.SetTag(AppTelemetry.ReasonAttribute, reason);
        if (outcome is Outcomes.Failed or Outcomes.Retried)
        {
            _span?.SetStatus(ActivityStatusCode.Error, error?.Message ?? _detail);
            if (error is not null)
            {
                _span?.AddException(error);
            }
        }

        var level = outcome switch
        {
            Outcomes.Succeeded or Outcomes.Skipped => LogLevel.Information,
            _ => LogLevel.Warning,
        };
        LogOutcome(_logger, level, error, _trigger, _blob ?? "(request body)", outcome, reason, _detail ?? error?.Message, elapsedMs,
            _caption?.Timings.Total.TotalMilliseconds, _caption?.Timings.Steps, _model?.Source, _model?.Precision);
    }

    public void Dispose()
    {
        _span?.Dispose();
        if (s_current.Value == this)
        {
            s_current.Value = null;
        }
    }

    /// <summary>One structured log per outcome (Application Insights: the traces table, fields in customDimensions).</summary>
    [LoggerMessage(EventId = 1700, EventName = "CaptionOutcome",
        Message = "{Trigger} {Blob}: {Outcome} {Reason} in {ElapsedMs} ms (caption {CaptionMs} ms, {Steps} tokens, model {ModelSource} {ModelPrecision}): {Detail}")]
    private static partial void LogOutcome(ILogger logger, LogLevel level, Exception? error, string trigger, string blob, string outcome, string? reason,
        string? detail, double elapsedMs, double? captionMs, int? steps, string? modelSource, string? modelPrecision);

    /// <summary>The values of <see cref="AppTelemetry.OutcomeAttribute"/>.</summary>
    public static class Outcomes
    {
        public const string Succeeded = "succeeded";
        public const string Failed = "failed";
        public const string Retried = "retried";

        /// <summary>Nothing to do: the row already holds this version's result, a newer version's, or the blob is gone.</summary>
        public const string Skipped = "skipped";
    }
}
