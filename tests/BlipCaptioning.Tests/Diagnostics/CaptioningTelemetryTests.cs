using System.Diagnostics;
using BlipCaptioning.Diagnostics;
using BlipCaptioning.Errors;
using BlipCaptioning.Tests.Inference;

namespace BlipCaptioning.Tests.Diagnostics;

/// <summary>The captioner's spans and metric points (docs/operations.md), seen through plain .NET listeners.</summary>
[Collection(TinyModelDefinition.Name)]
public sealed class CaptioningTelemetryTests(TinyModelFixture fixture)
{
    private static readonly string[] s_stagesInOrder =
    [
        CaptionStage.Decode, CaptionStage.Preprocess, CaptionStage.VisionEncoder, CaptionStage.CrossKv, CaptionStage.Generate, CaptionStage.Detokenize,
    ];

    [Fact]
    public async Task CaptionAsync_FirstCaption_TraceHasCaptionSpanWithModelLoadAndEveryStageAsChildren()
    {
        using var capture = new TelemetryCapture();
        using var captioner = new ImageCaptioner(fixture.Options());
        await using var stream = TinyModelFixture.OpenImage("rocket");

        await captioner.CaptionAsync(stream);

        var caption = capture.Span(CaptioningTelemetry.CaptionSpan);
        Assert.Equal(capture.Root.SpanId, caption.ParentSpanId);
        var children = capture.Spans.Where(span => span.ParentSpanId == caption.SpanId).OrderBy(span => span.StartTimeUtc).ToList();
        Assert.Equal(
            [CaptioningTelemetry.ModelLoadSpan, .. s_stagesInOrder.Select(CaptionStage.SpanName)],
            children.Select(span => span.OperationName));
        Assert.All(children, span => Assert.NotEqual(ActivityStatusCode.Error, span.Status));
        Assert.All(children, span => Assert.True(span.StartTimeUtc >= caption.StartTimeUtc && span.StartTimeUtc + span.Duration <= caption.StartTimeUtc + caption.Duration));
    }

    [Fact]
    public async Task CaptionAsync_Success_CaptionSpanCarriesImageModelTokensAndOutcome()
    {
        using var capture = new TelemetryCapture();
        using var captioner = new ImageCaptioner(fixture.Options());
        await using var stream = TinyModelFixture.OpenImage("rocket");

        var result = await captioner.CaptionAsync(stream);

        var caption = capture.Span(CaptioningTelemetry.CaptionSpan);
        Assert.Equal(result.Image.Width, caption.GetTagItem(CaptioningAttributes.ImageWidth));
        Assert.Equal(result.Image.Height, caption.GetTagItem(CaptioningAttributes.ImageHeight));
        Assert.Equal(result.Image.Format, caption.GetTagItem(CaptioningAttributes.ImageFormat));
        Assert.Equal(stream.Length, caption.GetTagItem(CaptioningAttributes.ImageBytes));
        Assert.Equal(fixture.Manifest.Source, caption.GetTagItem(CaptioningAttributes.ModelSource));
        Assert.Equal("fp32", caption.GetTagItem(CaptioningAttributes.ModelPrecision));
        Assert.Equal((long)result.Timings.Steps, caption.GetTagItem(CaptioningAttributes.TokensGenerated));
        Assert.Equal(result.Timings.Steps, capture.Span(CaptionStage.SpanName(CaptionStage.Generate)).GetTagItem(CaptioningAttributes.TokensGenerated));
        Assert.Equal(CaptionOutcomes.Succeeded, caption.GetTagItem(CaptioningAttributes.Outcome));
        Assert.Null(caption.GetTagItem(CaptioningAttributes.ErrorType));
        Assert.Equal(1, caption.GetTagItem(CaptioningAttributes.BatchSize));
    }

    [Fact]
    public async Task CaptionAsync_Success_RecordsOutcomeStagesBytesTokensLoadAndConcurrency()
    {
        using var capture = new TelemetryCapture();
        using var captioner = new ImageCaptioner(fixture.Options());
        await using var stream = TinyModelFixture.OpenImage("rocket");

        var result = await captioner.CaptionAsync(stream);

        var outcome = Assert.Single(capture.PointsOf(CaptioningTelemetry.CaptionsMetric));
        Assert.Equal(1, outcome.Value);
        Assert.Equal(CaptionOutcomes.Succeeded, outcome.Tag(CaptioningAttributes.Outcome));
        Assert.Equal(s_stagesInOrder, capture.PointsOf(CaptioningTelemetry.StageDurationMetric).Select(point => point.Tag(CaptioningAttributes.Stage)));
        Assert.All(capture.PointsOf(CaptioningTelemetry.StageDurationMetric), point => Assert.True(point.Value >= 0));
        Assert.Equal(CaptionOutcomes.Succeeded, Assert.Single(capture.PointsOf(CaptioningTelemetry.CaptionDurationMetric)).Tag(CaptioningAttributes.Outcome));
        Assert.Equal(1, Assert.Single(capture.PointsOf(CaptioningTelemetry.ImagesDecodedMetric)).Value);
        Assert.Equal(stream.Length, Assert.Single(capture.PointsOf(CaptioningTelemetry.ImageBytesMetric)).Value);
        Assert.Equal(result.Timings.Steps, Assert.Single(capture.PointsOf(CaptioningTelemetry.TokensGeneratedMetric)).Value);
        Assert.Equal(CaptionOutcomes.Succeeded, Assert.Single(capture.PointsOf(CaptioningTelemetry.ModelLoadDurationMetric)).Tag(CaptioningAttributes.Outcome));
        Assert.Equal([1.0, -1.0], capture.PointsOf(CaptioningTelemetry.ActiveCaptionsMetric).Select(point => point.Value));
    }

    [Fact]
    public async Task CaptionAsync_SecondCaption_LoadsNoModelAndReportsTheFirstLoad()
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        Assert.Null(captioner.LoadedModel);
        await using (var first = TinyModelFixture.OpenImage("coffee"))
        {
            await captioner.CaptionAsync(first);
        }

        using var capture = new TelemetryCapture();
        await using var stream = TinyModelFixture.OpenImage("rocket");
        await captioner.CaptionAsync(stream);

        Assert.DoesNotContain(capture.Spans, span => span.OperationName == CaptioningTelemetry.ModelLoadSpan);
        Assert.Empty(capture.PointsOf(CaptioningTelemetry.ModelLoadDurationMetric));
        var loaded = Assert.IsType<LoadedModel>(captioner.LoadedModel);
        Assert.Equal(fixture.Manifest.Source, loaded.Source);
        Assert.Equal("fp32", loaded.Precision);
        Assert.True(loaded.LoadTime > TimeSpan.Zero);
    }

    [Fact]
    public async Task CaptionAsync_UndecodableImage_DecodeSpanAndCaptionSpanFailWithUnsupportedImage()
    {
        using var capture = new TelemetryCapture();
        using var captioner = new ImageCaptioner(fixture.Options());
        using var garbage = new MemoryStream("this is not an image, only text"u8.ToArray());

        await Assert.ThrowsAsync<UnsupportedImageException>(() => captioner.CaptionAsync(garbage));

        var caption = capture.Span(CaptioningTelemetry.CaptionSpan);
        Assert.Equal(ActivityStatusCode.Error, caption.Status);
        Assert.Equal(CaptionOutcomes.Failed, caption.GetTagItem(CaptioningAttributes.Outcome));
        Assert.Equal(CaptioningErrorTypes.UnsupportedImage, caption.GetTagItem(CaptioningAttributes.ErrorType));
        Assert.Contains(caption.Events, e => e.Name == "exception");
        var decode = capture.Span(CaptionStage.SpanName(CaptionStage.Decode));
        Assert.Equal(caption.SpanId, decode.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, decode.Status);
        Assert.DoesNotContain(capture.Spans, span => span.OperationName == CaptionStage.SpanName(CaptionStage.VisionEncoder));

        var outcome = Assert.Single(capture.PointsOf(CaptioningTelemetry.CaptionsMetric));
        Assert.Equal(CaptionOutcomes.Failed, outcome.Tag(CaptioningAttributes.Outcome));
        Assert.Equal(CaptioningErrorTypes.UnsupportedImage, outcome.Tag(CaptioningAttributes.ErrorType));
        Assert.Empty(capture.PointsOf(CaptioningTelemetry.ImagesDecodedMetric));
        Assert.Equal(0, capture.PointsOf(CaptioningTelemetry.ActiveCaptionsMetric).Sum(point => point.Value));
    }

    [Fact]
    public async Task CaptionAsync_MissingModelFolder_ModelLoadSpanAndMetricFailWithModelNotFound()
    {
        using var capture = new TelemetryCapture();
        using var captioner = new ImageCaptioner(new CaptioningOptions { ModelDirectory = Path.Combine(fixture.Root, "no-model-here") });
        await using var stream = TinyModelFixture.OpenImage("rocket");

        await Assert.ThrowsAnyAsync<CaptioningException>(() => captioner.CaptionAsync(stream));

        var load = capture.Span(CaptioningTelemetry.ModelLoadSpan);
        Assert.Equal(capture.Span(CaptioningTelemetry.CaptionSpan).SpanId, load.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, load.Status);
        Assert.Equal(CaptioningErrorTypes.ModelNotFound, load.GetTagItem(CaptioningAttributes.ErrorType));
        var point = Assert.Single(capture.PointsOf(CaptioningTelemetry.ModelLoadDurationMetric));
        Assert.Equal(CaptionOutcomes.Failed, point.Tag(CaptioningAttributes.Outcome));
        Assert.Equal(CaptioningErrorTypes.ModelNotFound, Assert.Single(capture.PointsOf(CaptioningTelemetry.CaptionsMetric)).Tag(CaptioningAttributes.ErrorType));
        Assert.Null(captioner.LoadedModel);
    }

    [Fact]
    public async Task CaptionAsync_NoListener_CaptionsAsBefore()
    {
        // Nothing subscribes in this test: the captioner must not depend on a listener being there.
        using var captioner = new ImageCaptioner(fixture.Options());
        await using var stream = TinyModelFixture.OpenImage("rocket");

        var caption = await captioner.CaptionAsync(stream);

        Assert.Equal(TinyModelFixture.ReferenceIds("rocket", "greedy_uncond"), caption.TokenIds);
    }
}
