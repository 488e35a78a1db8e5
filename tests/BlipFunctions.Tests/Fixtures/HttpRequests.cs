using Microsoft.AspNetCore.Http;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>ASP.NET Core requests as the Functions host hands them to the worker.</summary>
public static class HttpRequests
{
    public const string CaptionsPath = "/api/captions/";

    /// <summary>
    /// The URL path a client sends for a blob name (docs/functions.md): each folder segment percent-encoded, '/' kept.
    /// </summary>
    public static string UrlPathFor(string blobName) =>
        CaptionsPath + string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString));

    /// <summary>
    /// A GET of <paramref name="urlPath"/> and the route value <c>{*id}</c> the host binds: the server decodes the
    /// path once (PathString.FromUriComponent, as Kestrel does) and routing takes what follows /api/captions/.
    /// </summary>
    public static (HttpRequest Request, string Id) Get(string urlPath)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = PathString.FromUriComponent(urlPath);
        return (context.Request, context.Request.Path.Value![CaptionsPath.Length..]);
    }

    public static HttpRequest List(string query)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = "/api/captions";
        context.Request.QueryString = new QueryString(query);
        return context.Request;
    }

    public static HttpRequest Post(byte[] body, string? contentType, bool sendLength = true)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = "/api/captions";
        context.Request.ContentType = contentType;
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentLength = sendLength ? body.Length : null;
        return context.Request;
    }
}
