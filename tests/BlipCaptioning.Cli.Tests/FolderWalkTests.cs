using System.Diagnostics;
using System.Net.Sockets;

namespace BlipCaptioning.Cli.Tests;

/// <summary>Folder walks end, caption each image once, and never open what could block (issue 14, item 13).</summary>
[Collection(CliDefinition.Name)]
public sealed class FolderWalkTests(CliFixture fixture)
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Caption_FolderWithLinksToItselfAndItsParent_CaptionsEachImageOnceAndNotesTheLinks()
    {
        string folder = NewFolder();
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.Copy(fixture.Photo("astronaut.png"), Path.Combine(folder, "astronaut.png"));
        File.Copy(fixture.Photo("nested", "rocket.jpg"), Path.Combine(folder, "sub", "rocket.jpg"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "self"), ".");
        Directory.CreateSymbolicLink(Path.Combine(folder, "sub", "up"), "..");

        var result = await CliRunner.RunAsync("caption", folder, "--model", fixture.ModelDirectory).WaitAsync(HangGuard);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([Path.Combine(folder, "astronaut.png"), Path.Combine(folder, "sub", "rocket.jpg")], result.OutputLines.Select(l => l.Split('\t')[0]));
        Assert.Contains($"blip: note: {Path.Combine(folder, "self")}: a link to a folder (.); not followed.", result.Error, StringComparison.Ordinal);
        Assert.Contains($"blip: note: {Path.Combine(folder, "sub", "up")}: a link to a folder (..); not followed.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caption_GlobThroughALinkLoop_Ends()
    {
        string folder = NewFolder();
        File.Copy(fixture.Photo("astronaut.png"), Path.Combine(folder, "astronaut.png"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "self"), ".");

        var result = await CliRunner.RunAsync("caption", Path.Combine(folder, "**", "*.png"), "--model", fixture.ModelDirectory).WaitAsync(HangGuard);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([Path.Combine(folder, "astronaut.png")], result.OutputLines.Select(l => l.Split('\t')[0]));
    }

    [Fact]
    public async Task Caption_FolderWithFifoSocketAndBrokenLink_SkipsThemWithNotesAndDoesNotBlock()
    {
        string folder = NewFolder();
        File.Copy(fixture.Photo("astronaut.png"), Path.Combine(folder, "astronaut.png"));
        string fifo = Path.Combine(folder, "pipe.jpg");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        string socketPath = Path.Combine(folder, "socket.png");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        File.CreateSymbolicLink(Path.Combine(folder, "gone.png"), Path.Combine(folder, "nothing-here.png"));

        var result = await CliRunner.RunAsync("caption", folder, "--model", fixture.ModelDirectory).WaitAsync(HangGuard);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Path.Combine(folder, "astronaut.png"), Assert.Single(result.OutputLines).Split('\t')[0]);
        Assert.Contains($"blip: note: {fifo}: not a regular file (a FIFO, socket or device); skipped without opening it.", result.ErrorLines);
        Assert.Contains($"blip: note: {socketPath}: not a regular file (a FIFO, socket or device); skipped without opening it.", result.ErrorLines);
        Assert.Contains($"blip: note: {Path.Combine(folder, "gone.png")}: a link to nothing; skipped.", result.ErrorLines);
    }

    [Fact]
    public async Task Caption_LinkToAnImageFile_IsCaptioned()
    {
        string folder = NewFolder();
        File.CreateSymbolicLink(Path.Combine(folder, "linked.png"), fixture.Photo("astronaut.png"));

        var result = await CliRunner.RunAsync("caption", folder, "--model", fixture.ModelDirectory);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith(Path.Combine(folder, "linked.png") + "\t", Assert.Single(result.OutputLines), StringComparison.Ordinal);
    }

    private string NewFolder() => Directory.CreateDirectory(Path.Combine(fixture.Root, "walk-" + Guid.NewGuid().ToString("N"))).FullName;
}
