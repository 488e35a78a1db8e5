using System.Text;
using System.Text.RegularExpressions;
using BlipFunctions.Functions;
using BlipFunctions.Gallery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Tests.Functions;

/// <summary><c>GET /api/gallery</c> and <c>/api/gallery/{file}</c>: the page, its files and their security headers.</summary>
public sealed partial class GalleryPageFunctionTests
{
    [Fact]
    public void Run_Page_IsHtmlWithAPolicyThatAllowsNoInlineScriptAndNoReferrer()
    {
        (IActionResult result, HttpResponse response) = Page("/api/gallery");

        var file = Assert.IsType<FileContentResult>(result);
        Assert.Equal("text/html; charset=utf-8", file.ContentType);
        string policy = response.Headers.ContentSecurityPolicy.ToString();
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Equal("no-referrer", response.Headers["Referrer-Policy"]);
        Assert.Equal("no-store", response.Headers.CacheControl);
        Assert.Equal("nosniff", response.Headers.XContentTypeOptions);
    }

    [Fact]
    public void Page_Html_HasNoInlineScriptStyleOrEventHandler()
    {
        string html = Encoding.UTF8.GetString(GalleryAssets.Page.Content);

        MatchCollection scripts = ScriptTag().Matches(html);
        Assert.Single(scripts);
        Assert.All(scripts, s => Assert.Matches("src=\"gallery/gallery.js\"", s.Value));
        Assert.DoesNotMatch(InlineHandler(), html);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Script_NeverTurnsDataIntoMarkup()
    {
        string script = Encoding.UTF8.GetString(Assert.IsType<GalleryAsset>(GalleryAssets.Find("gallery.js")).Content);

        foreach (string sink in new[] { "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute('on", "srcdoc" })
        {
            Assert.DoesNotContain(sink, script, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("gallery.js", "text/javascript; charset=utf-8")]
    [InlineData("gallery.css", "text/css; charset=utf-8")]
    [InlineData("icon.svg", "image/svg+xml")]
    public void Run_File_IsServedWithItsTypeAndAnETag(string name, string contentType)
    {
        var context = new DefaultHttpContext();

        var file = Assert.IsType<FileContentResult>(GalleryFileFunction.Run(context.Request, name));

        Assert.Equal(contentType, file.ContentType);
        Assert.NotNull(file.EntityTag);
        Assert.Equal("no-cache", context.Response.Headers.CacheControl);
        Assert.Equal("nosniff", context.Response.Headers.XContentTypeOptions);
    }

    [Theory]
    [InlineData("gallery.html")]
    [InlineData("secrets.json")]
    [InlineData("..%2Fhost.json")]
    [InlineData(null)]
    public void Run_AnyOtherFile_Answers404(string? name)
    {
        var problem = Assert.IsType<ObjectResult>(GalleryFileFunction.Run(new DefaultHttpContext().Request, name));

        Assert.Equal(StatusCodes.Status404NotFound, problem.StatusCode);
    }

    [Fact]
    public void Run_PageWithATrailingSlash_RedirectsKeepingTheQuery()
    {
        (IActionResult result, _) = Page("/api/gallery/", "?code=abc");

        Assert.Equal("/api/gallery?code=abc", Assert.IsType<RedirectResult>(result).Url);
    }

    private static (IActionResult Result, HttpResponse Response) Page(string path, string query = "")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        return (GalleryPageFunction.Run(context.Request), context.Response);
    }

    [GeneratedRegex("<script[^>]*>(?<body>[\\s\\S]*?)</script>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTag();

    [GeneratedRegex("\\son[a-z]+\\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineHandler();
}
