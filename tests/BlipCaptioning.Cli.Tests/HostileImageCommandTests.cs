using BlipCaptioning.Testing;

namespace BlipCaptioning.Cli.Tests;

/// <summary>
/// Issue 14's hostile images through `blip caption` and `blip preprocess`, as a user runs them: each bad file gets
/// one line naming it and saying why, the others are captioned, and no stack trace is printed.
/// </summary>
[Collection(CliDefinition.Name)]
public sealed class HostileImageCommandTests(CliFixture fixture)
{
    private static readonly string[] Captioned = ["astronaut.png", "exif-count.png", "split.png"];

    [Fact]
    public async Task Caption_FolderWithHostileImages_ReportsEachByPathAndReasonAndCaptionsTheRest()
    {
        string folder = Directory.CreateDirectory(Path.Combine(fixture.Root, "hostile-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        byte[] rocket = await File.ReadAllBytesAsync(fixture.Photo("nested", "rocket.jpg"));
        byte[] astronaut = await File.ReadAllBytesAsync(fixture.Photo("astronaut.png"));
        var refused = new Dictionary<string, string>
        {
            ["no-frame-header.jpg"] = "a scan starts before the frame header (SOF marker)",
            ["seven-bits.bmp"] = "uses 7 bits per pixel",
            ["wide.bmp"] = "70,000 x 2 pixels",
            ["scan-bomb.jpg"] = "more than 500 scans",
        };
        await File.WriteAllBytesAsync(Path.Combine(folder, "no-frame-header.jpg"), HostileImages.JpegWithoutSegment(rocket, 0xC0));
        await File.WriteAllBytesAsync(Path.Combine(folder, "seven-bits.bmp"), HostileImages.Bmp(16, 16, 7));
        await File.WriteAllBytesAsync(Path.Combine(folder, "wide.bmp"), HostileImages.Bmp(70_000, 2, 24));
        await File.WriteAllBytesAsync(Path.Combine(folder, "scan-bomb.jpg"), HostileImages.ProgressiveJpeg(6000, 6000, 20_000));
        await File.WriteAllBytesAsync(Path.Combine(folder, "astronaut.png"), astronaut);
        await File.WriteAllBytesAsync(Path.Combine(folder, "exif-count.png"), HostileImages.PngWithChunkAfterHeader(astronaut, "eXIf", HostileImages.ExifOrientation(6, count: 0x7fffffff)));
        await File.WriteAllBytesAsync(Path.Combine(folder, "split.png"), HostileImages.PngWithSplitImageData(astronaut, 1));

        var result = await CliRunner.RunAsync("caption", folder, "--model", fixture.ModelDirectory);

        Assert.Equal(1, result.ExitCode);
        Assert.False(result.HasStackTrace, result.Error);
        string[] captions = result.OutputLines;
        Assert.Equal(
            Captioned.Select(name => Path.Combine(folder, name)),
            captions.Select(line => line.Split('\t')[0]).Order(StringComparer.Ordinal));
        Assert.Single(captions.Select(line => line.Split('\t')[1]).Distinct()); // the same pixels, the same caption
        Assert.Equal(refused.Count, result.ErrorLines.Length);
        foreach ((string name, string reason) in refused)
        {
            string line = Assert.Single(result.ErrorLines, l => l.StartsWith($"blip: {Path.Combine(folder, name)}: ", StringComparison.Ordinal));
            Assert.Contains(reason, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Preprocess_JpegWithoutItsFrameHeader_OneLineNamingTheReason()
    {
        string path = Path.Combine(fixture.Root, "no-frame-" + Guid.NewGuid().ToString("N")[..8] + ".jpg");
        await File.WriteAllBytesAsync(path, HostileImages.JpegWithoutSegment(await File.ReadAllBytesAsync(fixture.Photo("nested", "rocket.jpg")), 0xC0));

        var result = await CliRunner.RunAsync("preprocess", path, "--out", path + ".npy");

        Assert.Equal(1, result.ExitCode);
        Assert.False(result.HasStackTrace, result.Error);
        Assert.Contains("a scan starts before the frame header (SOF marker)", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.False(File.Exists(path + ".npy"));
    }
}
