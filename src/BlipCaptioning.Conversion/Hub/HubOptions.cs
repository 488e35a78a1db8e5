namespace BlipCaptioning.Conversion.Hub;

/// <summary>
/// Where the Hugging Face hub is, how to authenticate, where the local cache lives and how patient to be.
/// <see cref="FromEnvironment(Func{string, string?})"/> reads the same variables as huggingface_hub.
/// </summary>
/// <remarks>The token is never printed: this type has no ToString that shows it and no error message names it.</remarks>
public sealed class HubOptions
{
    /// <summary>The public hub, used when HF_ENDPOINT is not set.</summary>
    public static readonly Uri DefaultEndpoint = new("https://huggingface.co");

    private Uri _endpoint = DefaultEndpoint;
    private int _maxAttempts = 4;

    /// <summary>The hub's base address (HF_ENDPOINT). Defaults to https://huggingface.co.</summary>
    public Uri Endpoint
    {
        get => _endpoint;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!value.IsAbsoluteUri || (value.Scheme != Uri.UriSchemeHttp && value.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"The hub endpoint must be an absolute http(s) address, not '{value}'.", nameof(value));
            }

            _endpoint = value;
        }
    }

    /// <summary>A hub access token (HF_TOKEN), sent as <c>Authorization: Bearer</c> to the hub's own host only.</summary>
    public string? Token { get; set; }

    /// <summary>The hub cache folder (holding <c>models--org--name</c> folders). Defaults as in huggingface_hub.</summary>
    public string CacheDirectory { get; set; } = DefaultCacheDirectory(Environment.GetEnvironmentVariable);

    /// <summary>Use only the local cache, never the network (HF_HUB_OFFLINE=1).</summary>
    public bool Offline { get; set; }

    /// <summary>How many times a request that failed for a transient reason (5xx, 429, timeout, dropped connection) is tried in all. Defaults to 4.</summary>
    public int MaxAttempts
    {
        get => _maxAttempts;
        set => _maxAttempts = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "At least one attempt is needed.");
    }

    /// <summary>The wait before the first retry; it doubles with each further retry. Defaults to 1 second.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for a response's headers. Defaults to 30 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a download may go without receiving a byte before it counts as stalled. Defaults to 60 seconds.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Reads HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE and the cache variables (HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE,
    /// HF_HOME, XDG_CACHE_HOME) through <paramref name="getVariable"/> (the process environment when null).
    /// </summary>
    public static HubOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var options = new HubOptions { CacheDirectory = DefaultCacheDirectory(getVariable) };

        var endpoint = NonEmpty(getVariable("HF_ENDPOINT"));
        if (endpoint is not null)
        {
            if (!Uri.TryCreate(endpoint.TrimEnd('/'), UriKind.Absolute, out var uri))
            {
                throw new ArgumentException($"HF_ENDPOINT must be an absolute http(s) address such as https://huggingface.co, not '{endpoint}'.");
            }

            options.Endpoint = uri;
        }

        options.Token = NonEmpty(getVariable("HF_TOKEN")) ?? NonEmpty(getVariable("HUGGING_FACE_HUB_TOKEN"));
        options.Offline = IsTrue(getVariable("HF_HUB_OFFLINE"));
        return options;
    }

    /// <summary>
    /// The cache folder huggingface_hub would use: HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else HF_HOME/hub,
    /// else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
    /// </summary>
    public static string DefaultCacheDirectory(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var explicitCache = NonEmpty(getVariable("HF_HUB_CACHE")) ?? NonEmpty(getVariable("HUGGINGFACE_HUB_CACHE"));
        if (explicitCache is not null)
        {
            return ExpandHome(explicitCache);
        }

        var home = NonEmpty(getVariable("HF_HOME"));
        if (home is null)
        {
            var xdg = NonEmpty(getVariable("XDG_CACHE_HOME"))
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            home = Path.Combine(ExpandHome(xdg), "huggingface");
        }

        return Path.Combine(ExpandHome(home), "hub");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool IsTrue(string? value) =>
        value?.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/'))
            : path;
}
