using System.Diagnostics;
using Azure;
using Azure.Storage.Blobs;
using BlipCaptioning.Diagnostics;
using BlipFunctions.Captioning;
using BlipFunctions.Telemetry;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;

namespace BlipFunctions.Tests.Telemetry;

/// <summary>
/// What Application Insights receives for a blob upload, seen through OpenTelemetry's in-memory exporter on the
/// app's own providers: the spans, their parent-child structure and attributes, and the metric points.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class CaptionTracingTests(AzuriteFixture azurite, TinyModelFixture model)
{
    private readonly string _folder = "traced-" + Guid.NewGuid().ToString("N")[..8] + "/";

    [Fact]
    public async Task CaptionBlobAsync_Success_OneTraceFromTheUploadThroughEveryStageToTheTableWrite()
    {
        using var telemetry = new InMemoryTelemetry();
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory, services: telemetry.AddTo);
        BlobClient blob = app.Images.GetBlobClient(_folder + "rocket.jpg");
        await blob.UploadAsync(BinaryData.FromBytes(TinyModelFixture.Photo("rocket")));
        var root = telemetry.Start(app.Services);

        await app.Get<BlobCaptioningService>().CaptionBlobAsync(blob, CancellationToken.None);
        telemetry.Collect();

        var upload = telemetry.SpanNamed(AppTelemetry.BlobSpan);
        Assert.Equal(root.SpanId, upload.ParentSpanId);
        Assert.Equal($"images/{_folder}rocket.jpg", upload.GetTagItem(AppTelemetry.BlobAttribute));
        Assert.Equal("succeeded", upload.GetTagItem(AppTelemetry.OutcomeAttribute));
        Assert.Equal(TinyModelFixture.Source, upload.GetTagItem(CaptioningAttributes.ModelSource));
        Assert.NotEqual(ActivityStatusCode.Error, upload.Status);

        // The upload's own steps, in order: read the row, claim it, download, caption, tag, write the result, index its keywords.
        Assert.Equal(
            [AppTelemetry.TableReadSpan, AppTelemetry.TableWriteSpan, AppTelemetry.DownloadSpan, CaptioningTelemetry.CaptionSpan, AppTelemetry.TagsSpan, AppTelemetry.TableWriteSpan, AppTelemetry.KeywordIndexSpan],
            telemetry.ChildrenOf(upload).Where(span => span.Source.Name is AppTelemetry.ActivitySourceName or CaptioningTelemetry.ActivitySourceName
                && span.OperationName != CaptioningTelemetry.ModelLoadSpan).Select(span => span.OperationName));

        var caption = telemetry.SpanNamed(CaptioningTelemetry.CaptionSpan);
        Assert.Equal(
            new[] { CaptionStage.Decode, CaptionStage.Preprocess, CaptionStage.VisionEncoder, CaptionStage.CrossKv, CaptionStage.Generate, CaptionStage.Detokenize }.Select(CaptionStage.SpanName),
            telemetry.ChildrenOf(caption).Where(span => span.OperationName != CaptioningTelemetry.ModelLoadSpan).Select(span => span.OperationName));

        // The first caption of a worker loads the model, under the upload that needed it (before or inside its caption).
        var load = telemetry.SpanNamed(CaptioningTelemetry.ModelLoadSpan);
        Assert.Contains(load.ParentSpanId, new[] { upload.SpanId, caption.SpanId });
        Assert.Equal("JPEG", (string?)caption.GetTagItem(CaptioningAttributes.ImageFormat), ignoreCase: true);
        Assert.True((long?)caption.GetTagItem(CaptioningAttributes.TokensGenerated) > 0);

        // Storage calls are the Azure SDK's client spans (Application Insights: dependencies) under the app's steps.
        var download = telemetry.SpanNamed(AppTelemetry.DownloadSpan);
        Assert.Contains(telemetry.ChildrenOf(download), span => span.Source.Name.StartsWith("Azure.Storage.Blobs", StringComparison.Ordinal));
        Assert.Contains(telemetry.Spans, span => span.Source.Name.StartsWith("Azure.", StringComparison.Ordinal) && span.Kind == ActivityKind.Client);
        Assert.All(telemetry.Spans.Where(span => span.OperationName == AppTelemetry.TableWriteSpan),
            write => Assert.Contains(telemetry.ChildrenOf(write), span => span.Source.Name.StartsWith("Azure.Data.Tables", StringComparison.Ordinal)));

        Assert.Equal(1, telemetry.Total(AppTelemetry.OutcomesMetric, (AppTelemetry.TriggerAttribute, "blob"), (AppTelemetry.OutcomeAttribute, "succeeded")));
        Assert.Equal(1, telemetry.Total(AppTelemetry.OutcomesMetric));
        Assert.Equal(1, telemetry.Total(AppTelemetry.DurationMetric, (AppTelemetry.OutcomeAttribute, "succeeded")));
        Assert.Equal(1, telemetry.Total(CaptioningTelemetry.CaptionsMetric, (CaptioningAttributes.Outcome, CaptionOutcomes.Succeeded)));
        Assert.Equal(1, telemetry.Total(CaptioningTelemetry.StageDurationMetric, (CaptioningAttributes.Stage, CaptionStage.VisionEncoder)));
        Assert.Equal(TinyModelFixture.Photo("rocket").Length, telemetry.Total(CaptioningTelemetry.ImageBytesMetric));
        Assert.Equal(1, telemetry.Total(CaptioningTelemetry.ModelLoadDurationMetric, (CaptioningAttributes.Outcome, CaptionOutcomes.Succeeded)));
        Assert.Equal(0, telemetry.Total(CaptioningTelemetry.ActiveCaptionsMetric));
    }

    [Fact]
    public async Task CaptionBlobAsync_NotAnImage_UploadAndCaptionSpansFailWithUnsupportedImageAndNothingIsTagged()
    {
        using var telemetry = new InMemoryTelemetry();
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory, services: telemetry.AddTo);
        BlobClient blob = app.Images.GetBlobClient(_folder + "notes.jpg");
        await blob.UploadAsync(BinaryData.FromString("shopping list: eggs, flour, milk"));
        telemetry.Start(app.Services);

        CaptionOutcome outcome = await app.Get<BlobCaptioningService>().CaptionBlobAsync(blob, CancellationToken.None);
        telemetry.Collect();

        Assert.Equal(CaptionOutcome.Failed, outcome);
        var upload = telemetry.SpanNamed(AppTelemetry.BlobSpan);
        Assert.Equal(ActivityStatusCode.Error, upload.Status);
        Assert.Equal("failed", upload.GetTagItem(AppTelemetry.OutcomeAttribute));
        Assert.Equal(CaptioningErrorTypes.UnsupportedImage, upload.GetTagItem(AppTelemetry.ReasonAttribute));
        var caption = telemetry.SpanNamed(CaptioningTelemetry.CaptionSpan);
        Assert.Equal(upload.SpanId, caption.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, caption.Status);
        Assert.Equal(ActivityStatusCode.Error, telemetry.SpanNamed(CaptionStage.SpanName(CaptionStage.Decode)).Status);
        Assert.DoesNotContain(telemetry.Spans, span => span.OperationName == AppTelemetry.TagsSpan);
        Assert.Equal(AppTelemetry.TableWriteSpan, telemetry.ChildrenOf(upload).Last(span => span.Source.Name == AppTelemetry.ActivitySourceName).OperationName);

        Assert.Equal(1, telemetry.Total(AppTelemetry.OutcomesMetric,
            (AppTelemetry.OutcomeAttribute, "failed"), (AppTelemetry.ReasonAttribute, CaptioningErrorTypes.UnsupportedImage)));
        Assert.Equal(1, telemetry.Total(AppTelemetry.OutcomesMetric));
        Assert.Equal(1, telemetry.Total(CaptioningTelemetry.CaptionsMetric,
            (CaptioningAttributes.Outcome, CaptionOutcomes.Failed), (CaptioningAttributes.ErrorType, CaptioningErrorTypes.UnsupportedImage)));
        Assert.Equal(0, telemetry.Total(CaptioningTelemetry.ImagesDecodedMetric));
    }

    [Fact]
    public async Task CaptionBlobAsync_TableServiceUnreachable_RetriedWithTheStorageFaultOnTheTableSpan()
    {
        string unreachableTables = ClosedPort.Refusing(azurite.ConnectionString, "TableEndpoint");
        using var telemetry = new InMemoryTelemetry();
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
            new Dictionary<string, string?> { ["CaptionStorage"] = unreachableTables }, services: telemetry.AddTo);
        BlobClient blob = app.Images.GetBlobClient(_folder + "rocket.jpg");
        await blob.UploadAsync(BinaryData.FromBytes(TinyModelFixture.Photo("rocket")));
        telemetry.Start(app.Services);

        // What the Azure SDK throws when every retry met a refused connection.
        var error = await Assert.ThrowsAsync<AggregateException>(() => app.Get<BlobCaptioningService>().CaptionBlobAsync(blob, CancellationToken.None));
        Assert.All(error.InnerExceptions, inner => Assert.IsType<RequestFailedException>(inner));
        telemetry.Collect();

        var upload = telemetry.SpanNamed(AppTelemetry.BlobSpan);
        Assert.Equal(ActivityStatusCode.Error, upload.Status);
        Assert.Equal("retried", upload.GetTagItem(AppTelemetry.OutcomeAttribute));
        Assert.Equal("storage_unreachable", upload.GetTagItem(AppTelemetry.ReasonAttribute));
        Assert.Contains(upload.Events, e => e.Name == "exception");
        var read = telemetry.SpanNamed(AppTelemetry.TableReadSpan);
        Assert.Equal(upload.SpanId, read.ParentSpanId);
        Assert.Contains(telemetry.ChildrenOf(read), span => span.Source.Name.StartsWith("Azure.Data.Tables", StringComparison.Ordinal) && span.Status == ActivityStatusCode.Error);
        Assert.DoesNotContain(telemetry.Spans, span => span.OperationName == CaptioningTelemetry.CaptionSpan);

        Assert.Equal(1, telemetry.Total(AppTelemetry.OutcomesMetric,
            (AppTelemetry.OutcomeAttribute, "retried"), (AppTelemetry.ReasonAttribute, "storage_unreachable")));
        Assert.Equal(1, telemetry.Total(AppTelemetry.OutcomesMetric));
        Assert.Equal(0, telemetry.Total(CaptioningTelemetry.CaptionsMetric));
    }
}
