namespace BlipCaptioning.Cli.Inputs;

/// <summary>
/// An input whose bytes can be had only once (standard input, a download): fetched on first use, kept in memory
/// for a retry, and its failure remembered so it is reported once.
/// </summary>
internal sealed class BufferedInput(string name, Func<CancellationToken, Task<byte[]>> fetch) : CaptionInput
{
    private Task<byte[]>? _bytes;

    public override string Name => name;

    public override async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        _bytes ??= fetch(cancellationToken);
        byte[] bytes = await _bytes.ConfigureAwait(false);
        return new MemoryStream(bytes, writable: false);
    }
}
