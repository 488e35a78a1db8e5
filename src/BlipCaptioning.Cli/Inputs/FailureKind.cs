namespace BlipCaptioning.Cli.Inputs;

/// <summary>Why one input of <c>blip caption</c> got no caption; <c>--json</c> writes it as <c>error.kind</c>.</summary>
internal enum FailureKind
{
    /// <summary><c>not_found</c>: the argument names no file or folder and no file matches it as a glob.</summary>
    NotFound,

    /// <summary><c>unreadable</c>: the file or standard input could not be read (permissions, I/O error).</summary>
    Unreadable,

    /// <summary><c>unsupported_image</c>: the bytes are not an image blip accepts (damaged, truncated, a format that is off, over a limit).</summary>
    UnsupportedImage,

    /// <summary><c>download_failed</c>: a URL could not be fetched (no answer, an error status, over the size limit or the timeout).</summary>
    DownloadFailed,

    /// <summary><c>internal_error</c>: anything else went wrong with this input (a bug in blip: please report it with the input).</summary>
    InternalError,
}

/// <summary>The names <c>--json</c> uses for <see cref="FailureKind"/>.</summary>
internal static class FailureKinds
{
    public static string JsonName(this FailureKind kind) => kind switch
    {
        FailureKind.NotFound => "not_found",
        FailureKind.Unreadable => "unreadable",
        FailureKind.UnsupportedImage => "unsupported_image",
        FailureKind.DownloadFailed => "download_failed",
        _ => "internal_error",
    };
}
