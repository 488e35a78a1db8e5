using Azure.Storage.Blobs;
using BlipCaptioning.Testing;
using BlipFunctions.Functions;
using BlipFunctions.Http;
using BlipFunctions.Storage;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Tests.Functions;

/// <summary>
/// Issue 14's hostile images uploaded as a user would: each ends with a failed row that says why (blob trigger)
/// and a 400 that says the same (POST), or is captioned; none escapes as a crash, a retry or a 500.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class HostileUploadTests(AzuriteFixture azurite, TinyModelFixture model) : IDisposable
{
    private readonly FunctionsAppHost _app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
    private readonly string _folder = "hostile-" + Guid.NewGuid().ToString("N")[..8] + "/";

    public static TheoryData<string, string> RefusedImages() => new()
    {
        { "jpeg-without-frame-header", "a scan starts before the frame header (SOF marker)" },
        { "bmp-70000-wide", "70,000 x 2 pixels; BMP images are decoded from 1 to 65,535 pixels each way" },
        { "bmp-7-bits", "uses 7 bits per pixel" },
        { "bmp-pixel-offset-2gb", "its pixel data is said to start at byte 2,147,418,129" },
        { "webp-16291-prefix-code-groups", "may use up to 16,291 prefix-code groups" },
        { "png-1-by-2000000", "images are accepted up to 65,535 pixels on each side" },
        { "jpeg-20000-scans", "more than 500 scans" },
        { "jpeg-700-icc-segments", "16 MiB) of metadata" },
    };

    [Theory]
    [MemberData(nameof(RefusedImages))]
    public async Task CaptionBlob_HostileImage_WritesAFailedRowWithTheReasonAndReturns(string kind, string reason)
    {
        BlobClient blob = await UploadAsync(kind, Make(kind));

        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);

        CaptionEntity row = Assert.Single(_app.Rows());
        Assert.Equal(CaptionStatus.Failed, row.Status);
        Assert.Contains(reason, row.FailureReason, StringComparison.Ordinal);
        Assert.Equal(1, row.Attempts);
        Assert.Null(row.LeaseExpiresAt);
    }

    [Theory]
    [MemberData(nameof(RefusedImages))]
    public async Task CaptionImage_HostileImage_Answers400WithTheReason(string kind, string reason)
    {
        IActionResult result = await _app.Function<CaptionImageFunction>().Run(HttpRequests.Post(Make(kind), "application/octet-stream"), CancellationToken.None);

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Contains(reason, Assert.IsType<ProblemDetails>(problem.Value).Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("png-2gib-text-chunk")]
    [InlineData("png-exif-orientation-count-0x7fffffff")]
    [InlineData("jpeg-exif-orientation-count-0x7fffffff")]
    [InlineData("png-1-byte-image-data-chunks")]
    public async Task CaptionBlob_UnusualButValidImage_IsCaptionedLikeTheOriginal(string kind)
    {
        byte[] original = kind.StartsWith("jpeg", StringComparison.Ordinal) ? TinyModelFixture.Photo("rocket") : TinyModelFixture.Photo("astronaut");
        BlobClient plain = await UploadAsync("original-" + kind, original);
        BlobClient unusual = await UploadAsync(kind, Make(kind));
        var function = _app.Function<CaptionBlobFunction>();

        await function.Run(plain, CancellationToken.None);
        await function.Run(unusual, CancellationToken.None);

        CaptionEntity expected = _app.Rows().Single(r => r.BlobName == plain.Name);
        CaptionEntity row = _app.Rows().Single(r => r.BlobName == unusual.Name);
        Assert.Equal(CaptionStatus.Succeeded, row.Status);
        Assert.Equal(expected.TokenIds, row.TokenIds);
        Assert.Equal((expected.Width, expected.Height), (row.Width, row.Height));
    }

    [Fact]
    public async Task CaptionBlob_DecodeOverItsTimeBudget_WritesAFailedRowNamingTheBudget()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
            new Dictionary<string, string?> { ["Captioning:ImageDecodeTimeout"] = "00:00:00.001" });
        BlobClient blob = app.Images.GetBlobClient(_folder + "slow.jpg");
        await blob.UploadAsync(BinaryData.FromBytes(HostileImages.ProgressiveJpeg(6000, 6000, 300)), overwrite: true);

        await app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);

        CaptionEntity row = Assert.Single(app.Rows());
        Assert.Equal(CaptionStatus.Failed, row.Status);
        Assert.StartsWith("Decoding the JPEG image took longer than its budget of 0.001 s (DecodeTimeout)", row.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaptionBlob_TiffOnAndAJpegCompressedTiffThatContainsItself_WritesAFailedRowInsteadOfKillingTheWorker()
    {
        // Found by the fuzzer: ImageSharp 2.1 decoded this TIFF's JPEG strip (the file itself) again and again until
        // the stack overflowed, which ends the process: every blob in flight, not only this one, would be lost.
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
            new Dictionary<string, string?> { ["Captioning:EnableTiff"] = "true" });
        BlobClient blob = app.Images.GetBlobClient(_folder + "recursive.tiff");
        await blob.UploadAsync(BinaryData.FromBytes(HostileImages.TiffWhoseJpegStripIsItself()), overwrite: true);

        await app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);

        CaptionEntity row = Assert.Single(app.Rows());
        Assert.Equal(CaptionStatus.Failed, row.Status);
        Assert.StartsWith("The TIFF image uses JPEG compression", row.FailureReason, StringComparison.Ordinal);
    }

    public void Dispose() => _app.Dispose();

    private static byte[] Make(string kind)
    {
        byte[] jpeg = TinyModelFixture.Photo("rocket");
        byte[] png = TinyModelFixture.Photo("astronaut");
        return kind switch
        {
            "jpeg-without-frame-header" => HostileImages.JpegWithoutSegment(jpeg, 0xC0),
            "bmp-70000-wide" => HostileImages.Bmp(70_000, 2, 24),
            "bmp-7-bits" => HostileImages.Bmp(16, 16, 7),
            "bmp-pixel-offset-2gb" => HostileImages.BmpWithPixelOffsetPast2GB(),
            "webp-16291-prefix-code-groups" => HostileImages.WebpWithManyPrefixCodeGroups(),
            "png-1-by-2000000" => HostileImages.TallPng(2_000_000),
            "jpeg-20000-scans" => HostileImages.ProgressiveJpeg(6000, 6000, 20_000),
            "jpeg-700-icc-segments" => HostileImages.JpegWithManyMetadataSegments(jpeg, 0xE2, "ICC_PROFILE\0"),
            "png-2gib-text-chunk" => HostileImages.PngWithTextBomb(png),
            "png-exif-orientation-count-0x7fffffff" => HostileImages.PngWithChunkAfterHeader(png, "eXIf", HostileImages.ExifOrientation(6, count: 0x7fffffff)),
            "jpeg-exif-orientation-count-0x7fffffff" => HostileImages.JpegWithExif(jpeg, HostileImages.ExifOrientation(6, count: 0x7fffffff)),
            "png-1-byte-image-data-chunks" => HostileImages.PngWithSplitImageData(png, 1),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private async Task<BlobClient> UploadAsync(string name, byte[] bytes)
    {
        BlobClient blob = _app.Images.GetBlobClient(_folder + name);
        await blob.UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);
        return blob;
    }
}
