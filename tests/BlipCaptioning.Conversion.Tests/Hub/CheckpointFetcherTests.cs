using System.Net;
using BlipCaptioning.Conversion.Hub;

namespace BlipCaptioning.Conversion.Tests.Hub;

public sealed class CheckpointFetcherTests : IDisposable
{
    private readonly HubTestContext _hub = new();

    public void Dispose() => _hub.Dispose();

    [Fact]
    public async Task FetchAsync_ServedCheckpoint_SnapshotHoldsEveryNeededFileWithTheServedBytes()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);

        var result = await _hub.FetchAsync();

        var repoFolder = Path.Combine(_hub.CacheDirectory, "models--Salesforce--blip-image-captioning-base");
        Assert.Equal(Path.Combine(repoFolder, "snapshots", repo.Commit), result.SnapshotDirectory);
        Assert.Equal(repo.Commit, result.Commit);
        Assert.Equal(FakeCheckpoint.SmallFiles.Append("pytorch_model.bin").Order(StringComparer.Ordinal), result.Files.Order(StringComparer.Ordinal));
        foreach (var name in result.Files)
        {
            Assert.Equal(repo.Files[name].Content, await File.ReadAllBytesAsync(Path.Combine(result.SnapshotDirectory, name)));
        }

        Assert.Equal(result.Files.Count, result.DownloadedFiles);
        Assert.False(result.UsedOfflineCache);
        Assert.Equal(repo.Commit, (await File.ReadAllTextAsync(Path.Combine(repoFolder, "refs", "main"))).Trim());
        Assert.True(File.Exists(Path.Combine(repoFolder, "blobs", repo.Files["pytorch_model.bin"].Sha256)));
        Assert.True(File.Exists(Path.Combine(repoFolder, "blobs", repo.Files["config.json"].BlobId)));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoFolder, "blobs"), "*.incomplete"));
    }

    [Fact]
    public async Task FetchAsync_ServedCheckpoint_SnapshotFilesAreRelativeLinksToTheBlobs()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);

        var result = await _hub.FetchAsync();

        var link = new FileInfo(Path.Combine(result.SnapshotDirectory, "pytorch_model.bin"));
        var expected = Path.Combine("..", "..", "blobs", repo.Files["pytorch_model.bin"].Sha256);
        if (OperatingSystem.IsWindows())
        {
            // Windows without Developer Mode refuses symlinks; the cache then holds a copy, as huggingface_hub does.
            Assert.Equal(repo.Files["pytorch_model.bin"].Content, await File.ReadAllBytesAsync(link.FullName));
        }
        else
        {
            Assert.Equal(expected, link.LinkTarget);
        }
    }

    [Fact]
    public async Task FetchAsync_SecondFetchOfTheSameCommit_MakesNoFileRequests()
    {
        FakeCheckpoint.AddBlipRepo(_hub.Server);
        var first = await _hub.FetchAsync();
        var fileRequestsAfterFirst = _hub.Server.FileRequests.Count;

        var second = await _hub.FetchAsync();

        Assert.True(fileRequestsAfterFirst >= first.Files.Count);
        Assert.Equal(fileRequestsAfterFirst, _hub.Server.FileRequests.Count);
        Assert.Equal(0, second.DownloadedFiles);
        Assert.Equal(first.SnapshotDirectory, second.SnapshotDirectory);
        Assert.Equal(first.Files, second.Files);
    }

    [Fact]
    public async Task FetchAsync_RepoWithoutSafetensors_FetchesPytorchModelBinAndNeverTfModel()
    {
        FakeCheckpoint.AddBlipRepo(_hub.Server);

        var result = await _hub.FetchAsync();

        Assert.Contains("pytorch_model.bin", result.Files);
        Assert.DoesNotContain("tf_model.h5", result.Files);
        Assert.DoesNotContain(_hub.Server.Requests, r => r.PathAndQuery.Contains("tf_model.h5", StringComparison.Ordinal));
        Assert.DoesNotContain(_hub.Server.Requests, r => r.PathAndQuery.Contains("README.md", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(result.SnapshotDirectory, "tf_model.h5")));
    }

    [Fact]
    public async Task FetchAsync_RepoWithSafetensors_FetchesSafetensorsOnly()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server, withSafetensors: true);

        var result = await _hub.FetchAsync();

        Assert.Contains("model.safetensors", result.Files);
        Assert.DoesNotContain("pytorch_model.bin", result.Files);
        Assert.DoesNotContain(_hub.Server.Requests, r => r.PathAndQuery.Contains("pytorch_model.bin", StringComparison.Ordinal));
        Assert.DoesNotContain(_hub.Server.Requests, r => r.PathAndQuery.Contains("tf_model.h5", StringComparison.Ordinal));
        Assert.Equal(repo.Files["model.safetensors"].Content, await File.ReadAllBytesAsync(Path.Combine(result.SnapshotDirectory, "model.safetensors")));
    }

    [Fact]
    public async Task FetchAsync_GenerationConfigListed_FetchesIt()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        repo.Add("generation_config.json", "{\"max_length\": 20}"u8.ToArray());

        var result = await _hub.FetchAsync();

        Assert.Contains("generation_config.json", result.Files);
        Assert.True(File.Exists(Path.Combine(result.SnapshotDirectory, "generation_config.json")));
    }

    [Fact]
    public async Task FetchAsync_ConnectionDroppedMidFile_ResumesWithRangeAndCompletes()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server, weightBytes: 1_000_000);
        _hub.Server.CutNextDownloadAfter["pytorch_model.bin"] = 400_000;

        var result = await _hub.FetchAsync();

        var weightGets = _hub.Server.Requests.Where(r => r.Method == "GET" && r.PathAndQuery.StartsWith("/cdn/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, weightGets.Count);
        Assert.Null(weightGets[0].Range);
        Assert.Equal("bytes=400000-", weightGets[1].Range);
        Assert.Equal(repo.Files["pytorch_model.bin"].Content, await File.ReadAllBytesAsync(Path.Combine(result.SnapshotDirectory, "pytorch_model.bin")));
    }

    [Fact]
    public async Task FetchAsync_DownloadStallsMidFile_TimesOutAndResumesWithRange()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server, weightBytes: 1_000_000);
        _hub.Server.StallNextDownloadAfter["pytorch_model.bin"] = 300_000;
        var options = _hub.Options();
        options.ReadTimeout = TimeSpan.FromMilliseconds(300);

        var result = await _hub.FetchAsync(options);

        var last = _hub.Server.Requests.Last(r => r.Method == "GET" && r.PathAndQuery.StartsWith("/cdn/", StringComparison.Ordinal));
        Assert.Equal("bytes=300000-", last.Range);
        Assert.Equal(repo.Files["pytorch_model.bin"].Content, await File.ReadAllBytesAsync(Path.Combine(result.SnapshotDirectory, "pytorch_model.bin")));
    }

    [Fact]
    public async Task FetchAsync_ServerIgnoresRange_RestartsFromZeroAndStillCompletes()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server, weightBytes: 400_000);
        _hub.Server.HonoursRange = false;
        var blobs = Path.Combine(_hub.CacheDirectory, "models--Salesforce--blip-image-captioning-base", "blobs");
        Directory.CreateDirectory(blobs);
        await File.WriteAllBytesAsync(Path.Combine(blobs, repo.Files["pytorch_model.bin"].Sha256 + ".incomplete"), new byte[100_000]);

        var result = await _hub.FetchAsync();

        Assert.Contains(_hub.Server.Requests, r => r.Range == "bytes=100000-");
        Assert.Equal(repo.Files["pytorch_model.bin"].Content, await File.ReadAllBytesAsync(Path.Combine(result.SnapshotDirectory, "pytorch_model.bin")));
    }

    [Fact]
    public async Task FetchAsync_PartialFileLeftByAnEarlierRun_NextRunSendsRangeAndAppends()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server, weightBytes: 1_000_000);
        _hub.Server.CutNextDownloadAfter["pytorch_model.bin"] = 250_000;
        var interrupted = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync(_hub.Options(maxAttempts: 1)));
        var sha256 = repo.Files["pytorch_model.bin"].Sha256;
        var partial = Path.Combine(_hub.CacheDirectory, "models--Salesforce--blip-image-captioning-base", "blobs", sha256 + ".incomplete");
        Assert.Contains("pytorch_model.bin", interrupted.Message, StringComparison.Ordinal);
        Assert.Equal(250_000, new FileInfo(partial).Length);

        var result = await _hub.FetchAsync();

        var last = _hub.Server.Requests.Last(r => r.Method == "GET" && r.PathAndQuery.StartsWith("/cdn/", StringComparison.Ordinal));
        Assert.Equal("bytes=250000-", last.Range);
        Assert.Equal(repo.Files["pytorch_model.bin"].Content, await File.ReadAllBytesAsync(Path.Combine(result.SnapshotDirectory, "pytorch_model.bin")));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public async Task FetchAsync_PartialFileWhoseBytesAreWrong_FailsTheHashCheckAndDeletesIt()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server, weightBytes: 200_000);
        var blobs = Path.Combine(_hub.CacheDirectory, "models--Salesforce--blip-image-captioning-base", "blobs");
        Directory.CreateDirectory(blobs);
        var partial = Path.Combine(blobs, repo.Files["pytorch_model.bin"].Sha256 + ".incomplete");
        await File.WriteAllBytesAsync(partial, new byte[50_000]);

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync());

        Assert.Contains("SHA-256 mismatch", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(partial));
        Assert.Contains(_hub.Server.Requests, r => r.Range == "bytes=50000-");
    }

    [Fact]
    public async Task FetchAsync_ServedBytesDifferFromTheListedSha256_ThrowsNamingFileAndHashesAndLeavesNoFile()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        var weights = repo.Files["pytorch_model.bin"];
        var corrupted = weights.Content.ToArray();
        corrupted[1234] ^= 0xFF;
        weights.Served = corrupted;
        var actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(corrupted));

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync());

        Assert.Contains("pytorch_model.bin", error.Message, StringComparison.Ordinal);
        Assert.Contains($"expected {weights.Sha256}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"got {actual}", error.Message, StringComparison.Ordinal);
        var repoFolder = Path.Combine(_hub.CacheDirectory, "models--Salesforce--blip-image-captioning-base");
        Assert.False(File.Exists(Path.Combine(repoFolder, "snapshots", repo.Commit, "pytorch_model.bin")));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoFolder, "blobs"), weights.Sha256 + "*"));
        Assert.False(File.Exists(Path.Combine(repoFolder, "refs", "main")));
    }

    [Fact]
    public async Task FetchAsync_ServedSizeDiffersFromTheListedSize_ThrowsNamingFileExpectedAndActual()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        var config = repo.Files["config.json"];
        config.ListedSize = config.Content.Length + 10;

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync());

        Assert.Contains("config.json: size mismatch", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{config.Content.Length + 10} bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{config.Content.Length} bytes were downloaded", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_hub.CacheDirectory, "models--Salesforce--blip-image-captioning-base", "snapshots", repo.Commit, "config.json")));
    }

    [Fact]
    public async Task FetchAsync_UnknownRepo_ThrowsRepoNotFound()
    {
        FakeCheckpoint.AddBlipRepo(_hub.Server);

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync(repo: "Salesforce/no-such-model"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("Repo 'Salesforce/no-such-model' was not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_UnknownRepoAnswered401_SaysCheckTheNameOrSetHfToken()
    {
        _hub.Server.RepoNotFoundStatus = 401;

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync(repo: "someone/private-model"));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("Repo 'someone/private-model' was not found", error.Message, StringComparison.Ordinal);
        Assert.Contains("or it is private", error.Message, StringComparison.Ordinal);
        Assert.Contains("HF_TOKEN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_UnknownRevision_ThrowsRevisionNotFound()
    {
        FakeCheckpoint.AddBlipRepo(_hub.Server);

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync(revision: "v9"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("Revision 'v9' was not found in repo 'Salesforce/blip-image-captioning-base'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_ListedFileAnswering404_ThrowsNamingTheFile()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        repo.Files.Remove("vocab.txt");
        repo.ListedButMissing.Add("vocab.txt");

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync());

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("File 'vocab.txt' was not found in repo 'Salesforce/blip-image-captioning-base'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_RequiredFileNotListed_ThrowsNamingItBeforeDownloading()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        repo.Files.Remove("tokenizer_config.json");

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync());

        Assert.Contains("has no tokenizer_config.json", error.Message, StringComparison.Ordinal);
        Assert.Empty(_hub.Server.FileRequests);
    }

    [Fact]
    public async Task FetchAsync_NoWeightsListed_ThrowsNamingTheCandidates()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        repo.Files.Remove("pytorch_model.bin");

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync());

        Assert.Contains("model.safetensors or pytorch_model.bin", error.Message, StringComparison.Ordinal);
        Assert.Contains("tf_model.h5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_GatedRepoWithoutToken_ThrowsSayingSetHfToken()
    {
        FakeCheckpoint.AddBlipRepo(_hub.Server);
        _hub.Server.RequiredToken = "hf_secret_for_tests";

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("gated or private: set HF_TOKEN", error.Message, StringComparison.Ordinal);
        Assert.All(_hub.Server.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task FetchAsync_GatedRepoWithHfTokenInTheEnvironment_SendsBearerAndSucceeds()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        _hub.Server.RequiredToken = "hf_secret_for_tests";
        var environment = new Dictionary<string, string>
        {
            ["HF_ENDPOINT"] = _hub.Server.Endpoint.ToString(),
            ["HF_TOKEN"] = "hf_secret_for_tests",
            ["HF_HUB_CACHE"] = _hub.CacheDirectory,
        };
        var options = HubOptions.FromEnvironment(environment.GetValueOrDefault);
        options.RetryDelay = TimeSpan.FromMilliseconds(1);

        var result = await _hub.FetchAsync(options);

        Assert.Equal(repo.Commit, result.Commit);
        Assert.All(_hub.Server.Requests.Where(r => !r.PathAndQuery.StartsWith("/cdn/", StringComparison.Ordinal)),
            r => Assert.Equal("Bearer hf_secret_for_tests", r.Authorization));
        var cdnRequests = _hub.Server.Requests.Where(r => r.PathAndQuery.StartsWith("/cdn/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(cdnRequests);
        Assert.All(cdnRequests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task FetchAsync_TokenTheHubRefuses_ThrowsWithoutPrintingTheToken()
    {
        FakeCheckpoint.AddBlipRepo(_hub.Server);
        _hub.Server.RequiredToken = "hf_right";
        var options = _hub.Options();
        options.Token = "hf_wrong_token_value";

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync(options));

        Assert.Contains("refused (HTTP 401) with the token given", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hf_wrong_token_value", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_HfEndpointFromTheEnvironment_SendsEveryRequestThere()
    {
        FakeCheckpoint.AddBlipRepo(_hub.Server);
        var environment = new Dictionary<string, string>
        {
            ["HF_ENDPOINT"] = _hub.Server.Endpoint.ToString().TrimEnd('/') + "/",
            ["HF_HOME"] = Path.Combine(_hub.CacheDirectory, "home"),
        };
        var options = HubOptions.FromEnvironment(environment.GetValueOrDefault);

        var result = await _hub.FetchAsync(options);

        Assert.StartsWith(Path.Combine(_hub.CacheDirectory, "home", "hub", "models--Salesforce--blip-image-captioning-base"), result.SnapshotDirectory, StringComparison.Ordinal);
        Assert.Contains(_hub.Server.Requests, r => r.PathAndQuery == "/api/models/Salesforce/blip-image-captioning-base/revision/main?blobs=true");
    }

    [Fact]
    public async Task FetchAsync_HubAnswers503Twice_RetriesAndSucceeds()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        _hub.Server.FailNextRequests(2);

        var result = await _hub.FetchAsync(_hub.Options(maxAttempts: 3));

        Assert.Equal(repo.Commit, result.Commit);
        Assert.Equal(3, _hub.Server.Requests.Count(r => r.PathAndQuery.StartsWith("/api/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task FetchAsync_HubKeepsAnswering503_ThrowsAfterTheRetriesSayingHowOften()
    {
        FakeCheckpoint.AddBlipRepo(_hub.Server);
        _hub.Server.FailNextRequests(100);

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync(_hub.Options(maxAttempts: 3)));

        Assert.Contains("failed after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 503", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _hub.Server.Requests.Count);
    }

    [Fact]
    public async Task FetchAsync_HubUnreachableWithTheRevisionCached_UsesTheCacheAndSaysSo()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        var online = await _hub.FetchAsync();
        var options = _hub.Options(maxAttempts: 2);
        _hub.Server.Dispose();

        var offline = await _hub.FetchAsync(options);

        Assert.True(offline.UsedOfflineCache);
        Assert.Contains("could not be reached", offline.OfflineReason, StringComparison.Ordinal);
        Assert.Equal(repo.Commit, offline.Commit);
        Assert.Equal(online.SnapshotDirectory, offline.SnapshotDirectory);
        Assert.Equal(online.Files.Order(StringComparer.Ordinal), offline.Files.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task FetchAsync_HubUnreachableWithNothingCached_ThrowsSayingSo()
    {
        var options = _hub.Options(maxAttempts: 2);
        _hub.Server.Dispose();

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync(options));

        Assert.Contains("could not be reached", error.Message, StringComparison.Ordinal);
        Assert.Contains("holds no complete snapshot of Salesforce/blip-image-captioning-base@main", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_OfflineModeWithTheRevisionCached_MakesNoRequests()
    {
        FakeCheckpoint.AddBlipRepo(_hub.Server);
        await _hub.FetchAsync();
        var requestsBefore = _hub.Server.Requests.Count;
        var options = _hub.Options();
        options.Offline = true;

        var result = await _hub.FetchAsync(options);

        Assert.True(result.UsedOfflineCache);
        Assert.Contains("HF_HUB_OFFLINE", result.OfflineReason, StringComparison.Ordinal);
        Assert.Equal(requestsBefore, _hub.Server.Requests.Count);
    }

    [Fact]
    public async Task FetchAsync_PinnedCommit_FetchesThatCommitAndWritesNoRef()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);

        var result = await _hub.FetchAsync(revision: repo.Commit);

        Assert.Equal(repo.Commit, result.Commit);
        Assert.All(_hub.Server.FileRequests.Where(r => r.PathAndQuery.Contains("/resolve/", StringComparison.Ordinal)),
            r => Assert.Contains($"/resolve/{repo.Commit}/", r.PathAndQuery, StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_hub.CacheDirectory, "models--Salesforce--blip-image-captioning-base", "refs")));
    }

    [Fact]
    public async Task FetchAsync_BranchName_DownloadsFilesAtTheResolvedCommit()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);

        await _hub.FetchAsync();

        Assert.All(_hub.Server.FileRequests.Where(r => r.PathAndQuery.Contains("/resolve/", StringComparison.Ordinal)),
            r => Assert.Contains($"/resolve/{repo.Commit}/", r.PathAndQuery, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FetchAsync_HubListingWithoutSizesOrHashes_ReadsThemWithHeadAndStillVerifies()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server);
        _hub.Server.ListsBlobs = false;
        var weights = repo.Files["pytorch_model.bin"];
        var corrupted = weights.Content.ToArray();
        corrupted[0] ^= 1;
        weights.Served = corrupted;

        var error = await Assert.ThrowsAsync<HubException>(() => _hub.FetchAsync());

        Assert.Contains("pytorch_model.bin: SHA-256 mismatch", error.Message, StringComparison.Ordinal);
        Assert.Contains(_hub.Server.Requests, r => r.Method == "HEAD" && r.PathAndQuery.EndsWith("/pytorch_model.bin", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(_hub.CacheDirectory, "models--Salesforce--blip-image-captioning-base", "blobs", repo.Files["config.json"].BlobId)));
    }

    [Fact]
    public async Task FetchAsync_CancelledMidDownload_ThrowsOperationCanceledAndLeavesNoSnapshotFile()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server, weightBytes: 1_000_000);
        using var cancellation = new CancellationTokenSource();
        var progress = new RecordingProgress(p =>
        {
            if (p.FileName == "pytorch_model.bin" && p.BytesDone > 0)
            {
                cancellation.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _hub.FetchAsync(progress: progress, cancellationToken: cancellation.Token));

        Assert.False(File.Exists(Path.Combine(_hub.CacheDirectory, "models--Salesforce--blip-image-captioning-base", "snapshots", repo.Commit, "pytorch_model.bin")));
        Assert.True(progress.Reports.Last(p => p.FileName == "pytorch_model.bin").BytesDone < 1_000_000);
    }

    [Fact]
    public async Task FetchAsync_WithProgress_ReportsEachFileUpToItsSize()
    {
        var repo = FakeCheckpoint.AddBlipRepo(_hub.Server, weightBytes: 500_000);
        var progress = new RecordingProgress();

        var result = await _hub.FetchAsync(progress: progress);

        foreach (var name in result.Files)
        {
            var reports = progress.Reports.Where(p => p.FileName == name).ToList();
            Assert.NotEmpty(reports);
            Assert.All(reports, p => Assert.Equal(repo.Files[name].Content.Length, p.TotalBytes));
            Assert.True(reports[^1].IsComplete);
            Assert.Equal(reports.Select(p => p.BytesDone).Order(), reports.Select(p => p.BytesDone));
        }

        Assert.True(progress.Reports.Count(p => p.FileName == "pytorch_model.bin") > 2);
    }

    [Fact]
    public async Task FetchAsync_SecondFetch_ReportsEveryFileAsFromCache()
    {
        FakeCheckpoint.AddBlipRepo(_hub.Server);
        await _hub.FetchAsync();
        var progress = new RecordingProgress();

        var result = await _hub.FetchAsync(progress: progress);

        Assert.Equal(result.Files.Order(StringComparer.Ordinal), progress.Reports.Select(p => p.FileName).Order(StringComparer.Ordinal));
        Assert.All(progress.Reports, p => Assert.True(p.FromCache && p.IsComplete));
    }

    [Fact]
    public async Task FetchAsync_SnapshotLinkDeletedButBlobKept_RelinksWithoutDownloading()
    {
        FakeCheckpoint.AddBlipRepo(_hub.Server);
        var first = await _hub.FetchAsync();
        File.Delete(Path.Combine(first.SnapshotDirectory, "pytorch_model.bin"));
        var fileRequests = _hub.Server.FileRequests.Count;

        var second = await _hub.FetchAsync();

        Assert.Equal(fileRequests, _hub.Server.FileRequests.Count);
        Assert.True(File.Exists(Path.Combine(second.SnapshotDirectory, "pytorch_model.bin")));
    }
}
