using BlipCaptioning.Conversion.Hub;

namespace BlipCaptioning.Conversion.Tests.Hub;

public sealed class HubOptionsTests
{
    private static readonly string Home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    [Fact]
    public void FromEnvironment_NothingSet_UsesTheHubAndTheUsersCache()
    {
        var options = HubOptions.FromEnvironment(_ => null);

        Assert.Equal(new Uri("https://huggingface.co"), options.Endpoint);
        Assert.Null(options.Token);
        Assert.False(options.Offline);
        Assert.Equal(Path.Combine(Home, ".cache", "huggingface", "hub"), options.CacheDirectory);
    }

    [Fact]
    public void FromEnvironment_HfVariablesSet_ReadsEndpointTokenAndOffline()
    {
        var environment = new Dictionary<string, string>
        {
            ["HF_ENDPOINT"] = "https://hf-mirror.example/",
            ["HF_TOKEN"] = "hf_abc",
            ["HF_HUB_OFFLINE"] = "1",
        };

        var options = HubOptions.FromEnvironment(environment.GetValueOrDefault);

        Assert.Equal(new Uri("https://hf-mirror.example"), options.Endpoint);
        Assert.Equal("hf_abc", options.Token);
        Assert.True(options.Offline);
    }

    [Theory]
    [InlineData("HF_HUB_CACHE", "/data/hub", "/data/hub")]
    [InlineData("HUGGINGFACE_HUB_CACHE", "/legacy/hub", "/legacy/hub")]
    [InlineData("HF_HOME", "/data/hf", "/data/hf/hub")]
    [InlineData("XDG_CACHE_HOME", "/xdg", "/xdg/huggingface/hub")]
    public void DefaultCacheDirectory_OneVariableSet_FollowsHuggingfaceHub(string variable, string value, string expected) =>
        Assert.Equal(expected, HubOptions.DefaultCacheDirectory(name => name == variable ? value : null));

    [Fact]
    public void DefaultCacheDirectory_HubCacheAndHomeBothSet_HubCacheWins()
    {
        var environment = new Dictionary<string, string> { ["HF_HUB_CACHE"] = "/a", ["HF_HOME"] = "/b" };

        Assert.Equal("/a", HubOptions.DefaultCacheDirectory(environment.GetValueOrDefault));
    }

    [Fact]
    public void FromEnvironment_EndpointNotAnAddress_ThrowsNamingTheVariable()
    {
        var error = Assert.Throws<ArgumentException>(() => HubOptions.FromEnvironment(n => n == "HF_ENDPOINT" ? "not a url" : null));

        Assert.Contains("HF_ENDPOINT", error.Message, StringComparison.Ordinal);
    }
}
