using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace BlipCaptioning.Cli.Tests;

/// <summary>Images from standard input, lists of paths, and http:// URLs (served on loopback by the test).</summary>
[Collection(CliDefinition.Name)]
public sealed class CaptionInputSourceTests(CliFixture fixture)
{
    [Fact]
    public async Task Caption_Dash_CaptionsTheImageOnStandardInputAsTheFileWouldBe()
    {
        string rocket = fixture.Photo("nested", "rocket.jpg");
        var fromFile = await CliRunner.RunAsync("caption", rocket, "--model", fixture.ModelDirectory);

        var fromStdin = await CliProcess.RunAsync(File.ReadAllBytes(rocket), null, "caption", "-", "--model", fixture.ModelDirectory);

        Assert.Equal(0, fromStdin.ExitCode);
        Assert.Equal("-\t" + Assert.Single(fromFile.OutputLines).Split('\t')[1], Assert.Single(fromStdin.OutputLines));
    }

    [Fact]
    public async Task Caption_DashWithTooManyBytes_IsRefusedAsOverTheLimit()
    {
        var result = await CliProcess.RunAsync(new byte[5000], null, "caption", "-", "--max-image-bytes", "1000", "--json", "--model", fixture.ModelDirectory);

        Assert.Equal(1, result.ExitCode);
        using var record = JsonDocument.Parse(Assert.Single(result.OutputLines));
        Assert.Equal("unsupported_image", record.RootElement.GetProperty("error").GetProperty("kind").GetString());
        Assert.Contains("over the limit", record.RootElement.GetProperty("error").GetProperty("message").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caption_FilesFromStandardInput_CaptionsEveryListedPathAndReportsTheMissingOne()
    {
        string missing = Path.Combine(fixture.Root, "gone.png");
        string list = $"{fixture.Photo("astronaut.png")}\n\n{fixture.Photo("nested", "coffee.png")}\r\n{missing}\n";

        var result = await CliProcess.RunAsync(Encoding.UTF8.GetBytes(list), null, "caption", "--files-from", "-", "--model", fixture.ModelDirectory);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([fixture.Photo("astronaut.png"), fixture.Photo("nested", "coffee.png")], result.OutputLines.Select(l => l.Split('\t')[0]));
        Assert.Equal($"blip: {missing}: No such file, folder or matching glob.", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Caption_DashAndFilesFromDash_IsAUsageError()
    {
        var result = await CliRunner.RunAsync("caption", "-", "--files-from", "-", "--model", fixture.ModelDirectory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("standard input can be read once", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caption_Urls_DownloadsTheImageAndReportsEachWayADownloadFails()
    {
        await using var server = new LoopbackImageServer();
        byte[] rocket = File.ReadAllBytes(fixture.Photo("nested", "rocket.jpg"));
        server.Serve("/rocket.jpg", rocket);
        server.Status("/gone.jpg", "404 Not Found");
        server.AnnounceLength("/huge.jpg", 10_000_000_000);
        server.Endless("/endless.jpg");
        server.Silent("/silent.jpg");
        string[] urls = [server.Url("/rocket.jpg"), server.Url("/gone.jpg"), server.Url("/huge.jpg"), server.Url("/endless.jpg"), server.Url("/silent.jpg")];
        var fromFile = await CliRunner.RunAsync("caption", fixture.Photo("nested", "rocket.jpg"), "--model", fixture.ModelDirectory);

        var result = await CliRunner.RunAsync(["caption", .. urls, "--json", "--max-image-bytes", "1000000", "--download-timeout", "2", "--model", fixture.ModelDirectory]);

        Assert.Equal(1, result.ExitCode);
        var records = result.OutputLines.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal(urls, records.Select(r => r.GetProperty("path").GetString()));
        Assert.Equal(Assert.Single(fromFile.OutputLines).Split('\t')[1], records[0].GetProperty("caption").GetString());
        Assert.Equal(rocket.Length, records[0].GetProperty("image").GetProperty("bytes").GetInt64());
        string[] expected = ["answered 404", "announces 10,000,000,000 bytes, over the limit of 1,000,000 bytes", "passed 1,000,000 bytes", "did not finish within 2 s (--download-timeout)"];
        for (int i = 0; i < expected.Length; i++)
        {
            var error = records[i + 1].GetProperty("error");
            Assert.Equal("download_failed", error.GetProperty("kind").GetString());
            Assert.Contains(expected[i], error.GetProperty("message").GetString()!, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Caption_InterruptedWithCtrlC_SaysCancelledAndExits130()
    {
        await using var server = new LoopbackImageServer();
        var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Silent("/slow.jpg", requested);
        using var process = Process.Start(CliProcess.StartInfo(null, "caption", server.Url("/slow.jpg"), "--model", fixture.ModelDirectory))!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();

        await requested.Task.WaitAsync(TimeSpan.FromMinutes(2)); // blip is now waiting inside the download
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(130, process.ExitCode);
        Assert.Contains("blip: cancelled.", await error, StringComparison.Ordinal);
        Assert.Empty(await output);
    }
}
