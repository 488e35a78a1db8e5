using System.Diagnostics;
using BlipCaptioning.Testing;
using BlipFunctions.GalleryTests.Fixtures;
using BlipFunctions.Reconcile;

namespace BlipFunctions.GalleryTests;

/// <summary>
/// The operator's command, <c>scripts/reconcile.sh</c>, against the app's functions served over HTTP behind a function
/// key (the library of <see cref="GalleryFixture"/>: captioned photos and one failed upload).
/// </summary>
[Collection(GalleryTestGroup.Name)]
public sealed class ReconcileScriptTests(GalleryFixture gallery)
{
    [Fact]
    public async Task Reconcile_FolderAlreadyCaptionedWithFollow_ReportsNothingQueuedAndFinishes()
    {
        (int exitCode, string output, string errors) = await RunAsync(["--prefix", "holiday/", "--follow"], GalleryFixture.FunctionKeyEnvironment());

        Assert.True(exitCode == 0, errors);
        Assert.Contains("listed 3, queued 0, up to date 3", output, StringComparison.Ordinal);
        Assert.Contains("done: every queued image has been handled", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconcile_Failed_QueuesTheFailedUploadAndTellsHowToFollowTheRun()
    {
        (int exitCode, string output, string errors) = await RunAsync(["--prefix", "broken/", "--failed"], GalleryFixture.FunctionKeyEnvironment());

        Assert.True(exitCode == 0, errors);
        Assert.Contains("listed 1, queued 1, up to date 0", output, StringComparison.Ordinal);
        string id = output.Split(' ', '\n').First(ReconcileRunIds.IsValid);
        Assert.Contains($"scripts/reconcile.sh --status {id} --follow", output, StringComparison.Ordinal);

        (int statusExit, string status, _) = await RunAsync(["--status", id], GalleryFixture.FunctionKeyEnvironment());
        Assert.Equal(0, statusExit);
        Assert.Contains($"run {id}: completed", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconcile_PrefixWithSpacesHashAndUnicode_IsSentIntact()
    {
        (int exitCode, string output, string errors) = await RunAsync(["--prefix", "holiday/ünïcode #1"], GalleryFixture.FunctionKeyEnvironment());

        Assert.True(exitCode == 0, errors);
        Assert.Contains("listed 1, queued 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconcile_WithoutTheKey_ExplainsWhichKeyToSetAndExits3()
    {
        (int exitCode, _, string errors) = await RunAsync(["--prefix", "holiday/"], new Dictionary<string, string> { ["BLIP_FUNCTIONS_KEY"] = "" });

        Assert.Equal(3, exitCode);
        Assert.Contains("refused the key (401): set BLIP_FUNCTIONS_KEY", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconcile_UnknownRun_SaysWhatTheAppAnswered()
    {
        (int exitCode, _, string errors) = await RunAsync(["--status", "20200101-000000-abcdef"], GalleryFixture.FunctionKeyEnvironment());

        Assert.Equal(3, exitCode);
        Assert.Contains("answered 404: There is no reconcile run 20200101-000000-abcdef", errors, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Output, string Errors)> RunAsync(string[] arguments, IDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "scripts", "reconcile.sh"));
        start.ArgumentList.Add("--url");
        start.ArgumentList.Add(gallery.Server.Address.ToString());
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BLIP_RECONCILE_POLL_SECONDS"] = "1";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await errors);
    }
}
