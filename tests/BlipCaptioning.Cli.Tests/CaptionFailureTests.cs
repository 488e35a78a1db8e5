using System.Text.Json;

namespace BlipCaptioning.Cli.Tests;

/// <summary>Every input gets one result: a caption or a failure record; one bad input never stops the others.</summary>
[Collection(CliDefinition.Name)]
public sealed class CaptionFailureTests(CliFixture fixture)
{
    /// <summary>Until the core refuses every bad image with UnsupportedImageException (issue 14), some surface as internal errors; either way they are one input's failure.</summary>
    private static readonly string[] RefusalKinds = ["unsupported_image", "internal_error"];

    [Fact]
    public async Task CaptionJson_MissingAndBrokenInputs_GetFailureRecordsInArgumentOrder()
    {
        string missing = Path.Combine(fixture.Root, "no-such.jpg");
        string broken = fixture.Photo("broken.jpg");
        string astronaut = fixture.Photo("astronaut.png");

        var result = await CliRunner.RunAsync("caption", missing, astronaut, broken, "--json", "--model", fixture.ModelDirectory);

        Assert.Equal(1, result.ExitCode);
        var records = Records(result);
        Assert.Equal([missing, astronaut, broken], records.Select(r => r.GetProperty("path").GetString()));
        Assert.Equal("not_found", records[0].GetProperty("error").GetProperty("kind").GetString());
        Assert.False(string.IsNullOrEmpty(records[1].GetProperty("caption").GetString()));
        Assert.False(records[1].TryGetProperty("error", out _));
        Assert.Equal("unsupported_image", records[2].GetProperty("error").GetProperty("kind").GetString());
        Assert.Contains("text", records[2].GetProperty("error").GetProperty("message").GetString()!, StringComparison.Ordinal);

        // The person watching still sees the failures on stderr.
        Assert.Equal(2, result.ErrorLines.Length);
        Assert.StartsWith($"blip: {missing}: ", result.ErrorLines[0], StringComparison.Ordinal);
        Assert.StartsWith($"blip: {broken}: ", result.ErrorLines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caption_ImagesTheDecoderChokesOn_AreEachReportedAndTheRestCaptioned()
    {
        string folder = NewFolder();
        string bmp = Path.Combine(folder, "seven-bits.bmp");
        string tiff = Path.Combine(folder, "garbage.tif");
        File.WriteAllBytes(bmp, TestImages.SevenBitBmp());
        File.WriteAllBytes(tiff, [.. "II*\0"u8, .. new byte[40]]);
        string astronaut = fixture.Photo("astronaut.png");

        var result = await CliRunner.RunAsync("caption", bmp, astronaut, tiff, "--tiff", "--json", "--model", fixture.ModelDirectory);

        Assert.Equal(1, result.ExitCode);
        var records = Records(result);
        Assert.Equal([bmp, astronaut, tiff], records.Select(r => r.GetProperty("path").GetString()));
        Assert.True(records[1].TryGetProperty("caption", out _));
        foreach (var failure in new[] { records[0], records[2] })
        {
            Assert.Contains(failure.GetProperty("error").GetProperty("kind").GetString(), RefusalKinds);
        }

        Assert.False(result.HasStackTrace, result.Error);
    }

    [Fact]
    public async Task Caption_BatchWithABadImage_GivesEveryImageItsOwnResultAndTheSameCaptionsAsOneByOne()
    {
        string[] inputs = [fixture.Photo("astronaut.png"), fixture.Photo("broken.jpg"), fixture.Photo("nested", "coffee.png"), fixture.Photo("nested", "rocket.jpg")];

        var batched = await CliRunner.RunAsync(["caption", .. inputs, "--batch-size", "3", "--model", fixture.ModelDirectory]);
        var single = await CliRunner.RunAsync(["caption", .. inputs, "--model", fixture.ModelDirectory]);

        Assert.Equal(1, batched.ExitCode);
        Assert.Equal(single.OutputLines, batched.OutputLines);
        Assert.Equal(3, batched.OutputLines.Length);
        Assert.StartsWith($"blip: {fixture.Photo("broken.jpg")}: ", Assert.Single(batched.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaptionJson_BatchWithAMissingFileInTheMiddle_KeepsInputOrder()
    {
        string missing = Path.Combine(fixture.Root, "missing-in-batch.png");
        string[] inputs = [fixture.Photo("astronaut.png"), missing, fixture.Photo("nested", "coffee.png")];

        var result = await CliRunner.RunAsync(["caption", .. inputs, "--batch-size", "3", "--json", "--model", fixture.ModelDirectory]);

        Assert.Equal(1, result.ExitCode);
        var records = Records(result);
        Assert.Equal(inputs, records.Select(r => r.GetProperty("path").GetString()));
        Assert.Equal("not_found", records[1].GetProperty("error").GetProperty("kind").GetString());
        Assert.Equal(2, records[2].GetProperty("batch").GetInt32());
    }

    [Fact]
    public async Task CaptionJson_BatchOfGoodImages_SaysTheBatchSize()
    {
        var result = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), fixture.Photo("nested", "coffee.png"), "--batch-size", "2", "--json", "--model", fixture.ModelDirectory);

        Assert.Equal(0, result.ExitCode);
        Assert.All(Records(result), record => Assert.Equal(2, record.GetProperty("batch").GetInt32()));
    }

    [Fact]
    public async Task Caption_TiffWithoutTheOption_SaysToAddTiffInThisCommand()
    {
        string tiff = Path.Combine(NewFolder(), "scan.tiff");
        File.WriteAllBytes(tiff, TestImages.Tiff());

        var refused = await CliRunner.RunAsync("caption", tiff, "--model", fixture.ModelDirectory);
        var accepted = await CliRunner.RunAsync("caption", tiff, "--tiff", "--model", fixture.ModelDirectory);

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"blip: {tiff}: This is a TIFF image, and TIFF is off by default; add --tiff to caption it.", Assert.Single(refused.ErrorLines));
        Assert.DoesNotContain("preprocess", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, accepted.ExitCode);
        Assert.StartsWith(tiff + "\t", Assert.Single(accepted.OutputLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caption_FolderWithTiff_SkipsItWithANoteUnlessTiffIsOn()
    {
        string folder = NewFolder();
        File.WriteAllBytes(Path.Combine(folder, "scan.tif"), TestImages.Tiff());
        File.Copy(fixture.Photo("astronaut.png"), Path.Combine(folder, "astronaut.png"));

        var without = await CliRunner.RunAsync("caption", folder, "--model", fixture.ModelDirectory);
        var with = await CliRunner.RunAsync("caption", folder, "--tiff", "--model", fixture.ModelDirectory);

        Assert.Equal(0, without.ExitCode);
        Assert.Single(without.OutputLines);
        Assert.Equal($"blip: note: {folder}: 1 TIFF file skipped; TIFF is off by default, add --tiff to caption it.", Assert.Single(without.ErrorLines));
        Assert.Equal(0, with.ExitCode);
        Assert.Equal(2, with.OutputLines.Length);
        Assert.Empty(with.Error);
    }

    [Fact]
    public async Task Caption_TruncatedJpeg_IsReportedWithoutAdviceToAnUploader()
    {
        string truncated = Path.Combine(NewFolder(), "half.jpg");
        File.WriteAllBytes(truncated, TestImages.TruncatedJpeg(fixture.Photo("nested", "rocket.jpg")));

        var result = await CliRunner.RunAsync("caption", truncated, "--model", fixture.ModelDirectory);

        Assert.Equal(1, result.ExitCode);
        string error = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"blip: {truncated}: ", error, StringComparison.Ordinal);
        Assert.Contains("truncated", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Send", error, StringComparison.Ordinal);
    }

    private string NewFolder() => Directory.CreateDirectory(Path.Combine(fixture.Root, "case-" + Guid.NewGuid().ToString("N"))).FullName;

    private static JsonElement[] Records(CliResult result) =>
        [.. result.OutputLines.Select(line => JsonDocument.Parse(line).RootElement)];
}
