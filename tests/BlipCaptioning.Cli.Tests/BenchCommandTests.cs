using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BlipCaptioning.Cli.Benchmarking;

namespace BlipCaptioning.Cli.Tests;

/// <summary>
/// <c>blip bench</c> on the tiny model: what it prints and that the figures are there and valid numbers. Nothing here
/// asserts on how long anything took.
/// </summary>
[Collection(CliDefinition.Name)]
public sealed class BenchCommandTests(CliFixture fixture)
{
    private static readonly string[] s_stageKeys = ["decode", "resize", "vision", "cross_kv", "decoder_step_first", "decoder_step", "generate", "detokenize", "caption"];

    // The smallest full run: every scenario once, the cold start in a child process included.
    private string[] SmallRun(params string[] extra) =>
    [
        "bench", "--model", fixture.ModelDirectory, "--images", fixture.Photo("astronaut.png"), fixture.Photo("nested", "rocket.jpg"),
        "--runs", "2", "--threads", "1", "--concurrency", "2", "--batch", "1,2", "--naive-runs", "1", "--floor-runs", "2", .. extra,
    ];

    [Fact]
    public async Task Bench_Help_DescribesTheOptions()
    {
        var result = await CliRunner.RunAsync("bench", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string option in new[] { "--model", "--images", "--runs", "--threads", "--concurrency", "--batch", "--naive-runs", "--json", "--compare", "--no-cold-start" })
        {
            Assert.Contains(option, result.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("--probe", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_RootHelp_ListsTheBenchCommand()
    {
        var result = await CliRunner.RunAsync("--help");

        Assert.Contains("bench", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_TinyModelWithJson_LastLineIsOneObjectWithEveryFigure()
    {
        var result = await CliRunner.RunAsync(SmallRun("--json"));

        Assert.Equal(0, result.ExitCode);
        Assert.False(result.HasStackTrace, result.Error);
        var json = JsonNode.Parse(result.OutputLines[^1])!.AsObject();
        Assert.Equal("fp32", (string?)json["precision"]);
        foreach (string key in new[] { "caption_ms_median", "caption_ms_p90", "floor_ms", "roofline_floor_ms", "memory_gb_per_s", "cold_start_ms", "peak_rss_mb", "captions_per_second", "achieved_gflops" })
        {
            double value = json[key]!.GetValue<double>();
            Assert.True(double.IsFinite(value) && value > 0, $"{key} = {value}");
        }

        Assert.True(json["caption_ms_p90"]!.GetValue<double>() >= json["caption_ms_median"]!.GetValue<double>());
        var stages = json["stages"]!.AsObject();
        foreach (string key in s_stageKeys)
        {
            Assert.True(stages[key]!["median_ms"]!.GetValue<double>() >= 0, key);
        }

        Assert.Equal(2, json["runs"]!.GetValue<int>());
        Assert.Equal(["fp32", "int8", "memory"], json["floor"]!.AsArray().Select(f => (string?)f!["precision"]).Order());
        Assert.True(json["roofline_floor_ms"]!.GetValue<double>() >= json["floor_ms"]!.GetValue<double>());
        Assert.All(json["naive"]!.AsArray(), n => Assert.True(n!["same_ids"]!.GetValue<bool>()));
        Assert.Equal(["2 at once", "app default", "batch 2"], json["throughput"]!.AsArray().Select(t => (string)t!["name"]!));
        Assert.Equal(["fresh process", "writing the ORT cache", "from the ORT cache"], json["cold_start"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.Equal(new ModelCost(fixture.Manifest()).VisionMacs, json["macs"]!["vision"]!.GetValue<long>());
    }

    [Fact]
    public async Task Bench_TinyModel_TextReportNamesEveryStageAndSection()
    {
        var result = await CliRunner.RunAsync(SmallRun("--no-cold-start"));

        Assert.Equal(0, result.ExitCode);
        foreach (var (_, label) in BenchReport.StageNames)
        {
            Assert.Contains(label, result.Output, StringComparison.Ordinal);
        }

        foreach (string section in new[] { "Machine floor", "memory: [1x768]x[768x30720] fp32", "roofline floor for this model", "Stages:", "Threads", "Throughput", "Naive baselines", "captions/s", "GFLOP/s", "peak RSS" })
        {
            Assert.Contains(section, result.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Cold start", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("{\"precision\"", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_ManifestSaysInt8_ReportsInt8AndItsFloor()
    {
        string copy = fixture.CopyModel();
        string manifestPath = Path.Combine(copy, "blip-model.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest["precision"] = "int8";
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var result = await CliRunner.RunAsync("bench", "--model", copy, "--images", fixture.Photo("astronaut.png"), "--runs", "1", "--threads", "1",
            "--concurrency", "1", "--batch", "1", "--naive-runs", "0", "--no-cold-start", "--floor-runs", "2", "--json");

        Assert.Equal(0, result.ExitCode);
        var json = JsonNode.Parse(result.OutputLines[^1])!.AsObject();
        Assert.Equal("int8", (string?)json["precision"]);
        double int8Rate = json["floor"]!.AsArray().Single(f => (string?)f!["precision"] == "int8")!["gmac_per_s"]!.GetValue<double>();
        double expectedFloor = json["macs"]!["caption_nominal"]!.GetValue<long>() / (int8Rate * 1e9) * 1000;
        Assert.Equal(expectedFloor, json["floor_ms"]!.GetValue<double>(), 0.05 * expectedFloor + 0.01);
    }

    [Fact]
    public async Task Bench_ManifestWithoutPrecision_ReportsFp32()
    {
        string copy = fixture.CopyModel();
        string manifestPath = Path.Combine(copy, "blip-model.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest.Remove("precision");
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var result = await CliRunner.RunAsync("bench", "--model", copy, "--images", fixture.Photo("astronaut.png"), "--runs", "1", "--threads", "1",
            "--concurrency", "1", "--batch", "1", "--naive-runs", "0", "--no-cold-start", "--floor-runs", "1", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("fp32", (string?)JsonNode.Parse(result.OutputLines[^1])!["precision"]);
    }

    [Fact]
    public async Task Bench_Compare_PrintsBothSidesAndTheRatioAsJson()
    {
        var result = await CliRunner.RunAsync("bench", "--model", fixture.ModelDirectory, "--images", fixture.Photo("astronaut.png"),
            "--runs", "2", "--threads", "1", "--compare", "spinning=1", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("B = spinning=1", result.Output, StringComparison.Ordinal);
        var json = JsonNode.Parse(result.OutputLines[^1])!.AsObject();
        Assert.Equal("spinning=1", (string?)json["change"]);
        Assert.True(json["same_ids"]!.GetValue<bool>());
        Assert.True(json["caption_ratio_median"]!.GetValue<double>() > 0);
        Assert.Equal(s_stageKeys, json["stages"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task Bench_ComparePoolSession_RunsAOnTheSharedPoolAndBOnPoolsPerSession()
    {
        string threads = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture);

        var result = await CliRunner.RunAsync("bench", "--model", fixture.ModelDirectory, "--images", fixture.Photo("astronaut.png"),
            "--runs", "2", "--threads", threads, "--compare", "pool=session", "--json");

        Assert.Equal(0, result.ExitCode);
        string plural = Environment.ProcessorCount == 1 ? "" : "s";
        Assert.Contains($"A = as given (shared pool, {threads} thread{plural}, spinning), B = pool=session (per-session pools, {threads} thread{plural}, no spinning)",
            result.Output, StringComparison.Ordinal);
        Assert.True(JsonNode.Parse(result.OutputLines[^1])!["same_ids"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Bench_MissingModel_OneLineErrorAndExitThree()
    {
        string missing = Path.Combine(fixture.Root, "no-model-here");

        var result = await CliRunner.RunAsync("bench", "--model", missing);

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("blip: The model directory", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.False(result.HasStackTrace, result.Error);
    }

    [Fact]
    public async Task Bench_ManifestNotJson_OneLineErrorNamingTheFile()
    {
        string copy = fixture.CopyModel();
        File.WriteAllText(Path.Combine(copy, "blip-model.json"), "{ not json");

        var result = await CliRunner.RunAsync("bench", "--model", copy, "--no-cold-start");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("blip-model.json is not a valid BLIP model manifest", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.False(result.HasStackTrace, result.Error);
    }

    [Theory]
    [InlineData("--threads", "0", "--threads: '0' is not a whole number from 1 to 256.")]
    [InlineData("--batch", "two", "--batch: 'two' is not a whole number from 1 to 256.")]
    [InlineData("--concurrency", "65", "--concurrency: '65' is not a whole number from 1 to 64.")]
    [InlineData("--runs", "0", "--runs is 0; use 1 or more.")]
    [InlineData("--compare", "colour=blue", "--compare: unknown setting 'colour'")]
    [InlineData("--session", "novalue", "--session: 'novalue' is not KEY=VALUE")]
    public async Task Bench_BadOption_OneLineErrorAndExitOne(string option, string value, string expected)
    {
        var result = await CliRunner.RunAsync("bench", "--model", fixture.ModelDirectory, option, value);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("blip: " + expected, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.False(result.HasStackTrace, result.Error);
    }

    [Fact]
    public async Task Bench_ImagesThatDoNotExist_OneLineError()
    {
        var result = await CliRunner.RunAsync("bench", "--model", fixture.ModelDirectory, "--images", Path.Combine(fixture.Root, "nothing.jpg"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no such file", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_UnknownOptimizationLevel_IsRejectedWithTheChoices()
    {
        var result = await CliRunner.RunAsync("bench", "--model", fixture.ModelDirectory, "--optimization", "max");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("extended", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void SynthesizedImages_AreDecodableOfTheAnnouncedSizes()
    {
        var images = BenchImages.Synthesize();

        Assert.Equal(BenchImages.SynthesizedSizes.Count, images.Count);
        foreach (var (image, (width, height, _)) in images.Zip(BenchImages.SynthesizedSizes))
        {
            var info = SixLabors.ImageSharp.Image.Identify(image.Bytes);
            Assert.Equal((width, height), (info.Width, info.Height));
        }
    }

    [Fact]
    public void ParseJsonOfAResult_RoundTripsNaNAsNull()
    {
        var results = new BenchResults
        {
            ModelDirectory = "m",
            Precision = "fp32",
            Source = "s",
            Machine = "cpu",
            LogicalCpus = 2,
            Images = ["a.jpg"],
            Cost = new ModelCost(fixture.Manifest()),
            NominalSteps = 19,
        };

        using var json = JsonDocument.Parse(BenchReport.Json(results));

        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("caption_ms_median").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("floor_ms").ValueKind);
        Assert.Equal("fp32", json.RootElement.GetProperty("precision").GetString());
    }
}
