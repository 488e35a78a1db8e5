using System.Text;
using BlipCaptioning.Errors;
using BlipCaptioning.Preprocessing;
using BlipCaptioning.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>
/// Issue 14's hostile images through the library's public loader: each is captioned (loaded) or refused with an
/// <see cref="UnsupportedImageException"/> that says why, before the work it would cost is done.
/// </summary>
public sealed class HostileImageTests
{
    private static readonly BlipImagePreprocessor Preprocessor = new();

    private static byte[] Jpeg => File.ReadAllBytes(Fixtures.PilReferencePath("images/exif-orientation-3.jpg"));

    private static byte[] Png => File.ReadAllBytes(Fixtures.PilReferencePath("images/gray.png"));

    [Fact]
    public async Task LoadAsync_JpegWithoutItsFrameHeader_IsRefusedAsDamaged()
    {
        // ImageSharp 2.1 threw NullReferenceException on this one.
        UnsupportedImageException error = await Refused(HostileImages.JpegWithoutSegment(Jpeg, 0xC0));

        Assert.Equal("The JPEG image is damaged: a scan starts before the frame header (SOF marker) that gives the image's size and components.", error.Message);
    }

    [Fact]
    public async Task LoadAsync_Bmp70000PixelsWide_IsRefusedNamingTheSize()
    {
        UnsupportedImageException error = await Refused(HostileImages.Bmp(70_000, 2, 24));

        Assert.Contains("70,000 x 2 pixels; BMP images are decoded from 1 to 65,535 pixels each way", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_BmpWith7BitsPerPixel_IsRefusedNamingTheDepth()
    {
        // ImageSharp 2.1 threw NullReferenceException on this one; PIL refuses it too.
        UnsupportedImageException error = await Refused(HostileImages.Bmp(16, 16, 7));

        Assert.StartsWith("The BMP image uses 7 bits per pixel; BMP images have 1, 2, 4, 8, 16, 24 or 32.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_BmpWhosePixelOffsetSays2GB_IsRefusedWithoutAllocatingIt()
    {
        // Found by the fuzzer: ImageSharp 2.1 sized its palette array from the offset (2 GB for 56 bytes).
        byte[] bomb = HostileImages.BmpWithPixelOffsetPast2GB();
        long before = GC.GetAllocatedBytesForCurrentThread();

        UnsupportedImageException error = await Refused(bomb);

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("The BMP image is damaged: its pixel data is said to start at byte 2,147,418,129, past the end of its 56 bytes.", error.Message);
        Assert.True(allocated < 16 * 1024 * 1024, $"Refusing it allocated {allocated:N0} bytes.");
    }

    [Fact]
    public async Task LoadAsync_LosslessWebpNamingThousandsOfPrefixCodeGroups_IsRefusedBeforeTheTablesAreAllocated()
    {
        // Found by the fuzzer: ImageSharp 2.1 allocated 385 MB of Huffman tables for these 54 bytes.
        byte[] bomb = HostileImages.WebpWithManyPrefixCodeGroups();
        long before = GC.GetAllocatedBytesForCurrentThread();

        UnsupportedImageException error = await Refused(bomb);

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.StartsWith("The WEBP image's lossless data may use up to 16,291 prefix-code groups, over the limit of 2,600", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 16 * 1024 * 1024, $"Refusing it allocated {allocated:N0} bytes.");
    }

    [Fact]
    public async Task LoadAsync_JpegCompressedTiffWhoseStripIsItself_IsRefusedBeforeImageSharpRecursesIntoIt()
    {
        // Found by the fuzzer: ImageSharp 2.1 decodes a JPEG strip with Image.Load and every format, so this 122-byte
        // TIFF decoded itself until the process died of a stack overflow (which no catch can stop).
        var withTiff = new BlipImagePreprocessor(options: new ImageLoadingOptions { EnableTiff = true });

        UnsupportedImageException error = await Refused(HostileImages.TiffWhoseJpegStripIsItself(), withTiff);

        Assert.StartsWith("The TIFF image uses JPEG compression", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_BigTiffWhoseDirectoryClaims2To60Entries_IsRefusedInsteadOfSpinningForever()
    {
        // Found by the fuzzer: ImageSharp 2.1 looped over the claimed entries past the end of the file, forever, in a
        // step no cancellation reaches. (Run on a pool thread and awaited with a deadline, so a regression fails the
        // test instead of hanging the run.)
        var withTiff = new BlipImagePreprocessor(options: new ImageLoadingOptions { EnableTiff = true });

        UnsupportedImageException error = await Task.Run(() => Refused(HostileImages.BigTiffWithEndlessDirectory(), withTiff))
            .WaitAsync(TimeSpan.FromMinutes(2));

        Assert.StartsWith("BigTIFF files are not accepted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_TiffStripSaidToLiePastTheFile_IsRefusedBeforeTheDecoderSizesItsWorkByIt()
    {
        // Found by the fuzzer: ImageSharp 2.1 spent 4-9 s of CPU on this 122-byte TIFF's 51 MB "strip", in one step
        // that neither cancellation nor the decode budget can interrupt.
        var withTiff = new BlipImagePreprocessor(options: new ImageLoadingOptions { EnableTiff = true });

        UnsupportedImageException error = await Refused(HostileImages.TiffWithAStripPastTheFile(), withTiff);

        Assert.Equal("The TIFF image is damaged: its strip 1 is said to hold 51,380,548 bytes at byte 335,544,328, past the end of its 122 bytes.", error.Message);
    }

    [Fact]
    public async Task LoadAsync_OnePixelWideAndTwoMillionTall_IsRefusedNamingTheSideLimit()
    {
        // Found through the fuzzer (a 3 x 131,081 TIFF that cost 273 MB): PIL's resize widens every input row to 384
        // pixels, so this 2-megapixel image of a few kilobytes meant a 2.3 GB intermediate image (which overflowed and
        // escaped as ArgumentOutOfRangeException) and seconds of CPU; at 1 x 40,000,000 it would be 46 GB and minutes.
        UnsupportedImageException error = await Refused(HostileImages.TallPng(2_000_000));

        Assert.StartsWith("The PNG image is 1 x 2,000,000 pixels; images are accepted up to 65,535 pixels on each side", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreprocessAsync_OnePixelWideAndAsTallAsAllowed_IsResizedInAFewRowsOfMemory()
    {
        using var png = new MemoryStream(HostileImages.TallPng(ImageStructureLimits.MaxSide));
        long before = GC.GetAllocatedBytesForCurrentThread();

        float[] pixelValues = await Preprocessor.PreprocessAsync(png);

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(3 * 384 * 384, pixelValues.Length);
        // Before the resize was streamed its intermediate image alone was 65,535 x 384 x 3 = 75 MB.
        Assert.True(allocated < 16 * 1024 * 1024, $"Preprocessing allocated {allocated:N0} bytes.");
    }

    [Theory]
    [InlineData(WebpEncodingMethod.Fastest)]
    [InlineData(WebpEncodingMethod.Level4)]
    [InlineData(WebpEncodingMethod.BestQuality)]
    public async Task LoadAsync_LosslessWebpOfAPhoto_PassesThePrefixCodeWalkAndDecodesToThePhotosPixels(WebpEncodingMethod method)
    {
        // The walk decodes the transforms' data to reach the prefix codes; an encoder using every feature must pass.
        byte[] rgba = await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/rgba.png"));
        using Image<Rgba32> photo = Image.Load<Rgba32>(rgba);
        using var webp = new MemoryStream();
        await photo.SaveAsWebpAsync(webp, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless, Method = method, TransparentColorMode = WebpTransparentColorMode.Preserve });
        using LoadedImage expected = await Load(rgba);

        using LoadedImage decoded = await Load(webp.ToArray());

        Assert.True(decoded.Pixels.SequenceEqual(expected.Pixels));
    }

    [Fact]
    public async Task LoadAsync_LossyWebpWithLosslessAlpha_PassesThePrefixCodeWalk()
    {
        using Image<Rgba32> photo = Image.Load<Rgba32>(await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/rgba.png")));
        using var webp = new MemoryStream();
        await photo.SaveAsWebpAsync(webp, new WebpEncoder { FileFormat = WebpFileFormatType.Lossy, UseAlphaCompression = true });

        using LoadedImage decoded = await Load(webp.ToArray());

        Assert.Equal((photo.Width, photo.Height), (decoded.Width, decoded.Height));
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpeg")]
    public async Task LoadAsync_ExifOrientationWithAHugeCount_IsSkippedAsPilSkipsIt(string format)
    {
        // An Orientation entry claiming 0x7fffffff values: ImageSharp threw ArgumentOutOfRangeException reading it.
        // PIL warns "Possibly corrupt EXIF data" and skips the tag, so the image is used as stored.
        byte[] exif = HostileImages.ExifOrientation(6, count: 0x7fffffff);
        byte[] image = format == "png"
            ? HostileImages.PngWithChunkAfterHeader(Png, "eXIf", exif)
            : HostileImages.JpegWithExif(HostileImages.JpegWithoutSegment(Jpeg, 0xE1), exif);

        using LoadedImage loaded = await Load(image);

        Assert.Equal(1, loaded.Orientation);
    }

    [Fact]
    public async Task LoadAsync_PngWithATextChunkInflatingTo2GiB_LoadsWithoutInflatingIt()
    {
        byte[] bomb = HostileImages.PngWithTextBomb(Png);
        long before = GC.GetAllocatedBytesForCurrentThread();

        using LoadedImage image = await Load(bomb);

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((300, 300), (image.Width, image.Height));
        // Inflating it took 45-57 s and 3.7 GB before; now only the pixels (300 x 300 x 3) and the copy of the file.
        Assert.True(allocated < 16 * 1024 * 1024, $"Loading allocated {allocated:N0} bytes.");
    }

    [Fact]
    public async Task LoadAsync_LegacyExifTextInflatingPastOneMebibyte_IsRefusedNamingTheLimit()
    {
        byte[] png = HostileImages.PngWithChunkAfterHeader(Png, "zTXt", HostileImages.TextChunkInflatingTo("Raw profile type exif", 3 * 1024 * 1024));

        UnsupportedImageException error = await Refused(png);

        Assert.Contains("\"Raw profile type exif\" text chunk inflates to more than 1,048,576 bytes (1 MiB)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tEXt", 3)]
    [InlineData("zTXt", 6)]
    [InlineData("iTXt", 8)]
    public async Task LoadAsync_PngWithLegacyExifText_AppliesItsOrientationAsPilDoes(string chunkType, int orientation)
    {
        // ImageMagick's "Raw profile type exif": three lines, then the hex of "Exif\0\0" and the TIFF data.
        byte[] exif = [.. "Exif\0\0"u8, .. HostileImages.ExifOrientation((uint)orientation)];
        string text = $"\nexif\n{exif.Length,8}\n{Convert.ToHexString(exif).ToLowerInvariant()}\n";
        byte[] body = chunkType switch
        {
            "tEXt" => [.. "Raw profile type exif\0"u8, .. Encoding.Latin1.GetBytes(text)],
            "zTXt" => [.. "Raw profile type exif\0\0"u8, .. Deflate(Encoding.Latin1.GetBytes(text))],
            _ => [.. "Raw profile type exif\0\u0001\0\0\0"u8, .. Deflate(Encoding.Latin1.GetBytes(text))],
        };

        using LoadedImage image = await Load(HostileImages.PngWithChunkAfterHeader(Png, chunkType, body));

        Assert.Equal(orientation, image.Orientation);
    }

    [Fact]
    public async Task LoadAsync_PngWithXmpOrientationOnly_AppliesItAsPilDoes()
    {
        byte[] body = [.. "XML:com.adobe.xmp\0\0\0\0\0<rdf:Description tiff:Orientation=\"6\"/>"u8];

        using LoadedImage image = await Load(HostileImages.PngWithChunkAfterHeader(Png, "iTXt", body));

        Assert.Equal(6, image.Orientation);
        Assert.Equal((300, 300), (image.Width, image.Height));
    }

    [Fact]
    public async Task LoadAsync_ProgressiveJpegWith20000ExtraScans_IsRefusedBeforeDecoding()
    {
        // Issue 14's scan bomb: 1.2 MB, 6000 x 6000; each scan is a pass over 562,500 blocks (16 s in all before).
        UnsupportedImageException error = await Refused(HostileImages.ProgressiveJpeg(6000, 6000, 20_000));

        Assert.StartsWith("The JPEG image has more than 500 scans, the limit for any JPEG", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_ProgressiveJpegWithExactly500Scans_Decodes()
    {
        // A DC scan, an AC scan and 498 more: the limit itself is allowed; one more is refused.
        using LoadedImage image = await Load(HostileImages.ProgressiveJpeg(64, 48, 498));
        UnsupportedImageException error = await Refused(HostileImages.ProgressiveJpeg(64, 48, 499));

        Assert.Equal((64, 48), (image.Width, image.Height));
        Assert.Contains("more than 500 scans", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0xE1, "Exif\0\0")]
    [InlineData(0xE1, "http://ns.adobe.com/xap/1.0/\0")]
    [InlineData(0xE2, "ICC_PROFILE\0")]
    public async Task LoadAsync_700MetadataSegmentsOf64KiB_IsRefusedNamingTheMetadataLimit(byte marker, string signature)
    {
        // 45 MB of APP segments took 14-17 s and 0.8 GB in ImageSharp's metadata readers.
        UnsupportedImageException error = await Refused(HostileImages.JpegWithManyMetadataSegments(Jpeg, marker, signature));

        Assert.StartsWith("The JPEG image carries more than 16,777,216 bytes (16 MiB) of metadata", error.Message, StringComparison.Ordinal);
        Assert.Contains("exiftool -all=", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_JpegWithMoreSegmentsThanTheLimit_IsRefused()
    {
        UnsupportedImageException error = await Refused(HostileImages.JpegWithSegments(Jpeg, 0xFE, [(byte)'x'], 5000));

        Assert.StartsWith("The JPEG image has more than 4,096 marker segments", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(64)]
    public async Task LoadAsync_PngWithImageDataSplitIntoTinyChunks_DecodesToTheSamePixels(int chunkBytes)
    {
        // PIL opens a PNG whose IDAT chunks hold one byte each; ImageSharp 2.1 cannot read its split zlib header.
        using LoadedImage expected = await Load(Png);

        using LoadedImage split = await Load(HostileImages.PngWithSplitImageData(Png, chunkBytes));

        Assert.True(split.Pixels.SequenceEqual(expected.Pixels));
    }

    [Fact]
    public async Task LoadAsync_AnimatedGifCutInsideItsSecondFrame_DecodesTheFirstFrame()
    {
        // Only the first frame is used (as by PIL's Image.open), so what follows it is never decoded.
        byte[] gif = await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/animated.gif"));
        using LoadedImage expected = await Load(gif);

        using LoadedImage cut = await Load(gif[..(gif.Length - 100)]);

        Assert.True(cut.Pixels.SequenceEqual(expected.Pixels));
    }

    [Fact]
    public async Task LoadAsync_GifFrameOverMaxPixels_IsRefusedBeforeDecoding()
    {
        // A 10 x 10 screen whose frame claims 60,000 x 60,000: ImageSharp would allocate and decode the frame.
        byte[] gif = [.. "GIF89a"u8, 10, 0, 10, 0, 0, 0, 0, 0x2C, 0, 0, 0, 0, 0x60, 0xEA, 0x60, 0xEA, 0, 2, 2, 0x4C, 0x01, 0, 0x3B];

        UnsupportedImageException error = await Refused(gif);

        Assert.Contains("first frame is 60,000 x 60,000 = 3,600,000,000 pixels, over the limit of 40,000,000 pixels (MaxPixels)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_WebpChunkRunningPastItsData_IsRefusedAsDamaged()
    {
        byte[] webp = await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/lossless.webp"));
        webp[16] = 0xF0; // the VP8L chunk's size, now past the RIFF payload
        webp[17] = 0xFF;
        webp[18] = 0xFF;

        UnsupportedImageException error = await Refused(webp);

        Assert.StartsWith("The WEBP image is damaged: a chunk at byte 12 announces", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_DecodeOverItsTimeBudget_IsRefusedNamingDecodeTimeout()
    {
        var impatient = new BlipImagePreprocessor(options: new ImageLoadingOptions { DecodeTimeout = TimeSpan.FromMilliseconds(1) });
        // 6000 x 6000 with 300 scans: hundreds of passes over 562,500 blocks, far more than 1 ms on any machine.
        byte[] slow = HostileImages.ProgressiveJpeg(6000, 6000, 300);

        UnsupportedImageException error = await Refused(slow, impatient);

        Assert.StartsWith("Decoding the JPEG image took longer than its budget of 0.001 s (DecodeTimeout) and was stopped", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_CancelledWhileDecoding_ThrowsOperationCanceled()
    {
        byte[] slow = HostileImages.ProgressiveJpeg(6000, 6000, 300);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        using var stream = new MemoryStream(slow);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Preprocessor.LoadAsync(stream, cancellation.Token));
    }

    public static TheoryData<string> DecoderExceptions() => [.. ProvokedExceptions.Kinds];

    [Theory]
    [MemberData(nameof(DecoderExceptions))]
    public void CallDecoder_DecoderThrowsAnything_BecomesUnsupportedImageNamingTheFormat(string exceptionType)
    {
        var error = Assert.Throws<UnsupportedImageException>(() => ImageLoader.CallDecoder<int>(JpegFormat.Instance, () =>
        {
            ProvokedExceptions.Throw(exceptionType);
            return 0;
        }));

        Assert.StartsWith("The JPEG image ", error.Message, StringComparison.Ordinal);
        Assert.Equal(exceptionType, error.InnerException?.GetType().Name);
    }

    [Fact]
    public void CallDecoder_Cancelled_LetsOperationCanceledThrough()
    {
        Assert.Throws<OperationCanceledException>(() => ImageLoader.CallDecoder<int>(JpegFormat.Instance, () => throw new OperationCanceledException()));
    }

    private static async Task<LoadedImage> Load(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return await Preprocessor.LoadAsync(stream);
    }

    private static async Task<UnsupportedImageException> Refused(byte[] bytes, BlipImagePreprocessor? preprocessor = null)
    {
        using var stream = new MemoryStream(bytes);
        return await Assert.ThrowsAsync<UnsupportedImageException>(() => (preprocessor ?? Preprocessor).LoadAsync(stream));
    }

    private static byte[] Deflate(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(output, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(bytes);
        }

        return output.ToArray();
    }
}
