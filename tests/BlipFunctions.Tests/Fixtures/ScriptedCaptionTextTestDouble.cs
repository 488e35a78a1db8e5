using BlipFunctions.Testing;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using BlipCaptioning;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>
/// Test double around the real captioner: the real tiny model captions every image, then the text is replaced by the
/// one the test chose for those exact bytes (the tiny model's random weights make meaningless words), so that tests
/// of keyword search know which keywords each blob has. Images the test chose nothing for keep the model's text.
/// </summary>
public sealed class ScriptedCaptionTextTestDouble(IImageCaptioner inner) : IImageCaptioner
{
    private readonly ConcurrentDictionary<string, string> _texts = new(StringComparer.Ordinal);

    /// <summary>Captions of <paramref name="image"/> will read <paramref name="text"/>.</summary>
    public void Say(byte[] image, string text) => _texts[Hash(image)] = text;

    public async Task<Caption> CaptionAsync(Stream image, CaptionSettings? settings = null, CancellationToken cancellationToken = default)
    {
        using var copy = new MemoryStream();
        await image.CopyToAsync(copy, cancellationToken);
        copy.Position = 0;
        Caption caption = await inner.CaptionAsync(copy, settings, cancellationToken);
        return _texts.TryGetValue(Hash(copy.ToArray()), out string? text) ? caption with { Text = text } : caption;
    }

    public Task<IReadOnlyList<Caption>> CaptionBatchAsync(IReadOnlyList<Stream> images, CaptionSettings? settings = null, CancellationToken cancellationToken = default) =>
        inner.CaptionBatchAsync(images, settings, cancellationToken);

    public Task<ModelDescription> DescribeModelAsync(CancellationToken cancellationToken = default) => inner.DescribeModelAsync(cancellationToken);

    public Task<CaptionSettings> DefaultSettingsAsync(CancellationToken cancellationToken = default) => inner.DefaultSettingsAsync(cancellationToken);

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}
