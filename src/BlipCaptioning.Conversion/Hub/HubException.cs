using System.Net;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Conversion.Hub;

/// <summary>
/// A fetch from the Hugging Face hub failed: access refused, repo/revision/file not found, hub unreachable,
/// or a downloaded file that does not match the hub's size or SHA-256. The message says what to do next.
/// </summary>
public sealed class HubException : CaptioningException
{
    public HubException(string message) : base(message) { }

    public HubException(string message, Exception? innerException) : base(message, innerException) { }

    internal HubException(string message, HttpStatusCode? statusCode, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        IsTransient = isTransient;
    }

    /// <summary>The HTTP status the hub answered with, when the failure was an HTTP error.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>True when trying again later may succeed (5xx, 429, timeouts, dropped connections).</summary>
    internal bool IsTransient { get; }

    /// <summary>True when the hub could not be reached at all, after all retries.</summary>
    internal bool IsUnreachable { get; init; }
}
