using Azure;
using Azure.Storage.Blobs;
using BlipCaptioning.Errors;
using BlipCaptioning.Testing;
using BlipFunctions.Configuration;
using BlipFunctions.Functions;
using BlipFunctions.Storage;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.ML.OnnxRuntime;

namespace BlipFunctions.Tests.Captioning;

/// <summary>
/// The app's promise (docs/functions.md "Failures and retries"): every delivered blob ends with a succeeded or
/// failed row, whatever the caption path throws, through the real function against Azurite. The host's retries are
/// played by calling the function again after it throws, up to host.json's poisonBlobThreshold.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class FailureInvariantTests(AzuriteFixture azurite, TinyModelFixture model)
{
    private const int MaxAttempts = 5;

    public static TheoryData<string> UnexpectedFaults() => [.. ProvokedExceptions.Kinds, nameof(OnnxRuntimeException)];

    [Theory]
    [MemberData(nameof(UnexpectedFaults))]
    public async Task Run_CaptionThrowsAnUnexpectedException_WritesAFailedRowAtOnceWithoutAHostRetry(string kind)
    {
        (int attempts, CaptionEntity row, ThrowingCaptionerTestDouble captioner) = await CaptionAsTheHostDoesAsync(() => Throw(kind));

        Assert.Equal(1, attempts);
        Assert.Equal(1, captioner.Calls);
        Assert.Equal(CaptionStatus.Failed, row.Status);
        Assert.StartsWith($"Captioning failed with an unexpected error: {kind}: ", row.FailureReason, StringComparison.Ordinal);
        Assert.Null(row.LeaseExpiresAt);
        Assert.Equal(1, row.Attempts);
    }

    public static TheoryData<string> TransientFaults() =>
    [
        nameof(RequestFailedException), nameof(IOException), nameof(HttpRequestException), nameof(TimeoutException),
        nameof(OperationCanceledException), nameof(CaptioningException),
    ];

    [Theory]
    [MemberData(nameof(TransientFaults))]
    public async Task Run_TransientFaultOnEveryAttempt_TheHostRetriesAndTheLastAttemptWritesAFailedRowWithTheLastError(string kind)
    {
        (int attempts, CaptionEntity row, ThrowingCaptionerTestDouble captioner) = await CaptionAsTheHostDoesAsync(() => Throw(kind));

        Assert.Equal(MaxAttempts, attempts);
        Assert.Equal(MaxAttempts, captioner.Calls);
        Assert.Equal(CaptionStatus.Failed, row.Status);
        Assert.StartsWith($"Captioning failed on each of {MaxAttempts} attempts, the last time with {kind}: ", row.FailureReason, StringComparison.Ordinal);
        Assert.Contains("upload the blob again to retry", row.FailureReason, StringComparison.Ordinal);
        Assert.Equal(MaxAttempts, row.Attempts);
        Assert.Null(row.LeaseExpiresAt);
    }

    [Fact]
    public void MaxAttempts_Default_IsHostJsonsPoisonBlobThreshold()
    {
        using var hostJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(RepositoryPaths.InRoot("host.json")));
        int threshold = hostJson.RootElement.GetProperty("extensions").GetProperty("blobs").GetProperty("poisonBlobThreshold").GetInt32();

        Assert.Equal(threshold, new CaptionPipelineOptions().MaxAttempts);
        Assert.Equal(MaxAttempts, threshold);
    }

    /// <summary>Uploads an image and runs CaptionBlob like the host: again after each exception, at most MaxAttempts times.</summary>
    private async Task<(int Attempts, CaptionEntity Row, ThrowingCaptionerTestDouble Captioner)> CaptionAsTheHostDoesAsync(Action fault)
    {
        ThrowingCaptionerTestDouble? captioner = null;
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
            services: CaptionerDoubles.Wrap(inner => captioner = new ThrowingCaptionerTestDouble(inner, fault)));
        BlobClient blob = app.Images.GetBlobClient("invariant-" + Guid.NewGuid().ToString("N")[..8] + "/photo.png");
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(14)), overwrite: true);
        var function = app.Function<CaptionBlobFunction>();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await function.Run(blob, CancellationToken.None);
                return (attempt, Assert.Single(app.Rows()), captioner!);
            }
            catch (Exception) when (attempt < MaxAttempts)
            {
                CaptionEntity waiting = Assert.Single(app.Rows());
                Assert.Equal(CaptionStatus.Processing, waiting.Status); // the host retries; the row says why it waits
                Assert.False(string.IsNullOrEmpty(waiting.LastError));
            }
        }
    }

    private static void Throw(string kind)
    {
        switch (kind)
        {
            case nameof(OnnxRuntimeException):
                using (new InferenceSession(new byte[] { 1, 2, 3 }))
                {
                    // A graph that is not ONNX: ONNX Runtime itself throws.
                }

                break;
            case nameof(RequestFailedException):
                throw new RequestFailedException(503, "The server is busy.", "ServerBusy", null);
            case nameof(IOException):
                throw new IOException("The connection was reset.");
            case nameof(HttpRequestException):
                throw new HttpRequestException("No such host is known.");
            case nameof(TimeoutException):
                throw new TimeoutException("The operation timed out.");
            case nameof(OperationCanceledException):
                throw new OperationCanceledException("The invocation was cancelled.");
            case nameof(CaptioningException):
                throw new CaptioningException("Could not load the BLIP model from '/tmp/model': the folder is being copied.");
            default:
                ProvokedExceptions.Throw(kind);
                break;
        }
    }
}
