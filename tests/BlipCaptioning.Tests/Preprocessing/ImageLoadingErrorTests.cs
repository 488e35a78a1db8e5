using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using BlipCaptioning.Errors;
using BlipCaptioning.Preprocessing;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>Every way untrusted bytes can be wrong ends in an <see cref="UnsupportedImageException"/> a person can act on.</summary>
public sealed class ImageLoadingErrorTests
{
    private static readonly BlipImagePreprocessor Preprocessor = new();

    [Fact]
    public async Task LoadAsync_EmptyStream_SaysTheImageIsEmpty()
    {
        UnsupportedImageException error = await Refused([]);
        Assert.Contains("empty (0 bytes)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_TruncatedJpeg_IsRefusedAsDamaged()
    {
        byte[] jpeg = await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/exif-orientation-3.jpg"));

        UnsupportedImageException error = await Refused(jpeg[..(jpeg.Length / 2)]);

        Assert.Contains("JPEG", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_JpegMissingOnlyItsEndMarker_IsRefusedAsTruncatedLikePilDoes()
    {
        byte[] jpeg = await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/exif-orientation-3.jpg"));

        UnsupportedImageException error = await Refused(jpeg[..^2]);

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_JpegWithDataAppendedAfterItsEndMarker_LoadsNormally()
    {
        // Motion photos and some cameras append data after the EOI marker; PIL ignores it and so do we.
        byte[] jpeg = await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/exif-orientation-3.jpg"));
        byte[] trailer = new byte[5000];
        new Random(3).NextBytes(trailer);
        using var stream = new MemoryStream([.. jpeg, .. trailer]);

        using LoadedImage image = await Preprocessor.LoadAsync(stream);

        Assert.Equal((320, 240), (image.Width, image.Height));
    }

    [Theory]
    [InlineData("animated.gif", "GIF")]
    [InlineData("lossless.webp", "WEBP")]
    [InlineData("image.bmp", "BMP")]
    public async Task LoadAsync_TruncatedGifWebpOrBmp_IsRefusedAsTruncatedLikePilDoes(string name, string format)
    {
        // ImageSharp would decode these and fill the missing part; PIL raises "image file is truncated".
        byte[] image = await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/" + name));

        UnsupportedImageException error = await Refused(image[..(image.Length / 5)]);

        Assert.Contains($"The {format} image is truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_TruncatedPng_IsRefusedAsDamaged()
    {
        byte[] png = await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/gray.png"));

        UnsupportedImageException error = await Refused(png[..(png.Length / 2)]);

        Assert.Contains("PNG", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_RandomBytes_SaysNotASupportedFormatAndShowsTheFirstBytes()
    {
        byte[] noise = new byte[4096];
        new Random(7).NextBytes(noise);
        noise[0] = 0x01;

        UnsupportedImageException error = await Refused(noise);

        Assert.Contains("not an image in a supported format (JPEG, PNG, GIF, BMP and WebP)", error.Message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexString(noise.AsSpan(0, 8)), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF })]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47 })]
    public async Task LoadAsync_AFewBytes_IsRefusedWithAClearMessage(byte[] bytes)
    {
        UnsupportedImageException error = await Refused(bytes);

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.DoesNotContain("   at ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadedImage_AfterDispose_PixelsThrowObjectDisposed()
    {
        await using FileStream file = File.OpenRead(Fixtures.PilReferencePath("images/upscale-10x10.png"));
        LoadedImage image = await Preprocessor.LoadAsync(file);

        image.Dispose();
        image.Dispose();

        Assert.Throws<ObjectDisposedException>(() => image.Pixels.Length);
    }

    [Fact]
    public async Task LoadAsync_Text_SaysItLooksLikeText()
    {
        UnsupportedImageException error = await Refused(Encoding.UTF8.GetBytes("<html><body>Not found</body></html>"));

        Assert.Contains("starts like text (\"<html><body>Not \")", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_PngHeaderClaiming50000By50000_IsRefusedFromTheHeaderWithoutAllocatingThePixels()
    {
        byte[] bomb = PngWithHeaderOnly(50_000, 50_000);
        long before = GC.GetAllocatedBytesForCurrentThread();

        UnsupportedImageException error = await Refused(bomb);

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("50,000 x 50,000 = 2,500,000,000 pixels", error.Message, StringComparison.Ordinal);
        Assert.Contains("limit of 40,000,000 pixels (MaxPixels)", error.Message, StringComparison.Ordinal);
        // The pixels would take 7.5 GB; refusing must not allocate anything near even one row buffer of them.
        Assert.True(allocated < 16 * 1024 * 1024, $"Refusing the bomb allocated {allocated:N0} bytes.");
    }

    [Fact]
    public async Task LoadAsync_ImageOverMaxPixels_SaysSizeAndLimit()
    {
        var strict = new BlipImagePreprocessor(options: new ImageLoadingOptions { MaxPixels = 1000 });
        await using FileStream file = File.OpenRead(Fixtures.PilReferencePath("images/upscale-10x10.png"));
        using (LoadedImage small = await strict.LoadAsync(file))
        {
            Assert.Equal(10, small.Width);
        }

        UnsupportedImageException error = await Refused(await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/camera.png")), strict);

        Assert.Contains("512 x 512 = 262,144 pixels, over the limit of 1,000 pixels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_SeekableStreamOverMaxBytes_IsRefusedBeforeReading()
    {
        var strict = new BlipImagePreprocessor(options: new ImageLoadingOptions { MaxBytes = 1000 });
        byte[] png = await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/gray.png"));

        UnsupportedImageException error = await Refused(png, strict);

        Assert.Contains($"{png.Length:N0} bytes, over the limit of 1,000 bytes (MaxBytes)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_UnseekableStreamOverMaxBytes_StopsReadingAtTheLimit()
    {
        var strict = new BlipImagePreprocessor(options: new ImageLoadingOptions { MaxBytes = 1000 });
        byte[] png = await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/gray.png"));
        await using var stream = new ForwardOnlyStream(png);

        UnsupportedImageException error = await Assert.ThrowsAsync<UnsupportedImageException>(() => strict.LoadAsync(stream));

        Assert.Contains("more than 1,000 bytes, over the limit of 1,000 bytes (MaxBytes)", error.Message, StringComparison.Ordinal);
        Assert.True(stream.BytesRead <= 1001 + 81920, $"Read {stream.BytesRead} bytes before refusing.");
    }

    [Fact]
    public async Task LoadAsync_UnseekableStream_LoadsLikeAFile()
    {
        byte[] png = await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/gray.png"));
        await using var stream = new ForwardOnlyStream(png);

        using LoadedImage image = await Preprocessor.LoadAsync(stream);

        Assert.Equal(new ImageFacts(300, 300, "PNG", png.Length), image.Facts);
    }

    [Fact]
    public async Task LoadAsync_Tiff_IsRefusedUnlessEnabled()
    {
        byte[] tiff = await File.ReadAllBytesAsync(Fixtures.PilReferencePath("images/small.tiff"));

        UnsupportedImageException error = await Refused(tiff);

        Assert.Contains("TIFF images are not accepted here (EnableTiff is off)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_TiffWhenEnabled_DecodesIt()
    {
        var withTiff = new BlipImagePreprocessor(options: new ImageLoadingOptions { EnableTiff = true });
        await using FileStream file = File.OpenRead(Fixtures.PilReferencePath("images/small.tiff"));

        using LoadedImage image = await withTiff.LoadAsync(file);

        Assert.Equal(new ImageFacts(64, 48, "TIFF", file.Length), image.Facts);
        // The TIFF is a crop of the BMP fixture's top-left corner (both are chelsea's first rows and columns).
        await using FileStream bmpFile = File.OpenRead(Fixtures.PilReferencePath("images/image.bmp"));
        using LoadedImage bmp = await Preprocessor.LoadAsync(bmpFile);
        for (int y = 0; y < 48; y++)
        {
            Assert.True(image.Pixels.Slice(y * 64 * 3, 64 * 3).SequenceEqual(bmp.Pixels.Slice(y * 200 * 3, 64 * 3)), $"TIFF row {y} differs from the same chelsea row in the BMP.");
        }
    }

    [Fact]
    public async Task LoadAsync_CancelledToken_ThrowsOperationCanceled()
    {
        await using FileStream file = File.OpenRead(Fixtures.PilReferencePath("images/gray.png"));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Preprocessor.LoadAsync(file, cancelled.Token));
    }

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(1000, 0)]
    [InlineData(-5, 1000)]
    [InlineData(1000, ImageLoadingOptions.UpperPixelLimit + 1)]
    public void Constructor_OptionsOutOfRange_ThrowsNamingTheSetting(long maxBytes, long maxPixels)
    {
        var options = new ImageLoadingOptions { MaxBytes = maxBytes, MaxPixels = maxPixels };

        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => new BlipImagePreprocessor(options: options));

        Assert.Equal(maxBytes < 1 ? "MaxBytes" : "MaxPixels", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(600_001)]
    public void Constructor_DecodeTimeoutOutOfRange_ThrowsNamingTheSetting(int milliseconds)
    {
        var options = new ImageLoadingOptions { DecodeTimeout = TimeSpan.FromMilliseconds(milliseconds) };

        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => new BlipImagePreprocessor(options: options));

        Assert.Equal("DecodeTimeout", error.ParamName);
    }

    [Fact]
    public void ImageLoadingOptions_Defaults_Are50MiB40MegapixelsAnd20SecondsWithoutTiff()
    {
        var options = new ImageLoadingOptions();
        Assert.Equal(50L * 1024 * 1024, options.MaxBytes);
        Assert.Equal(40_000_000, options.MaxPixels);
        Assert.Equal(TimeSpan.FromSeconds(20), options.DecodeTimeout);
        Assert.False(options.EnableTiff);
    }

    private static async Task<UnsupportedImageException> Refused(byte[] bytes, BlipImagePreprocessor? preprocessor = null)
    {
        using var stream = new MemoryStream(bytes);
        return await Assert.ThrowsAsync<UnsupportedImageException>(() => (preprocessor ?? Preprocessor).LoadAsync(stream));
    }

    /// <summary>A valid PNG signature and IHDR claiming the given size, one IDAT of 1 KiB of zeros and IEND.</summary>
    private static byte[] PngWithHeaderOnly(int width, int height)
    {
        byte[] ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        using var deflated = new MemoryStream();
        using (var zlib = new ZLibStream(deflated, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(new byte[1024]);
        }

        return HostileImages.Png([("IHDR", ihdr), ("IDAT", deflated.ToArray()), ("IEND", [])]);
    }

    /// <summary>A stream that cannot seek and reports no length, like a network body.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public long BytesRead { get; private set; }

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read = await base.ReadAsync(buffer, cancellationToken);
            BytesRead += read;
            return read;
        }
    }
}
