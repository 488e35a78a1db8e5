namespace BlipCaptioning.Cli.Inputs;

/// <summary>An image file, named on the command line or found in a folder or by a glob.</summary>
internal sealed class FileInput(string path) : CaptionInput
{
    public override string Name => path;

    public override Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InputFailedException(ex is FileNotFoundException or DirectoryNotFoundException ? FailureKind.NotFound : FailureKind.Unreadable, ex.Message, ex);
        }
    }
}
