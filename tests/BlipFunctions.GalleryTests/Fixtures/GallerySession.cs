using System.Collections.Concurrent;
using BlipCaptioning.Testing;
using Microsoft.Playwright;

namespace BlipFunctions.GalleryTests.Fixtures;

/// <summary>
/// One browser tab on the gallery, in a fresh context (no cache, no storage), recording what a test must be able to
/// say did not happen: dialogs (alert, confirm), console errors (a CSP violation is one), uncaught page errors, and
/// every request the page made with its headers.
/// </summary>
public sealed class GallerySession : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly ConcurrentQueue<string> _dialogs = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<IRequest> _requests = new();

    private GallerySession(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Dialog += async (_, dialog) =>
        {
            _dialogs.Enqueue($"{dialog.Type}: {dialog.Message}");
            await dialog.DismissAsync();
        };
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _errors.Enqueue("console: " + message.Text);
            }
        };
        page.PageError += (_, error) => _errors.Enqueue("page error: " + error);
        page.Request += (_, request) => _requests.Enqueue(request);
    }

    public IPage Page { get; }

    public IBrowserContext Context => _context;

    /// <summary>alert/confirm/prompt dialogs the page opened (each dismissed).</summary>
    public IReadOnlyList<string> Dialogs => [.. _dialogs];

    /// <summary>Console errors and uncaught exceptions.</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    /// <summary>Every request the page made.</summary>
    public IReadOnlyList<IRequest> Requests => [.. _requests];

    public static Task<GallerySession> OpenAsync(GalleryFixture gallery, string query = "", int width = 1280, int height = 900)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        return OpenAsync(gallery.Browser, gallery.PageUrl(query), width, height);
    }

    /// <summary>Opens <paramref name="pageUrl"/> in a new context of <paramref name="browser"/> and waits for the listing.</summary>
    public static async Task<GallerySession> OpenAsync(IBrowser browser, string pageUrl, int width = 1280, int height = 900)
    {
        ArgumentNullException.ThrowIfNull(browser);
        IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
            ColorScheme = ColorScheme.Light,
        });
        IPage page = await context.NewPageAsync();
        var session = new GallerySession(context, page);
        IResponse? response = await page.GotoAsync(pageUrl);
        Assert.Equal(200, response?.Status);
        await session.WaitForListingAsync();
        return session;
    }

    /// <summary>Waits until the listing has answered: cards with a summary, the empty message, or the error box.</summary>
    public async Task WaitForListingAsync()
    {
        await Page.WaitForFunctionAsync(
            """
            () => {
              const summary = document.getElementById('summary').textContent;
              const done = (summary && !summary.startsWith('Loading'))
                || !document.getElementById('empty').hidden
                || !document.getElementById('error').hidden;
              return done && !document.getElementById('more').disabled;
            }
            """,
            null,
            new PageWaitForFunctionOptions { Timeout = 30_000 });
    }

    /// <summary>Waits until every thumbnail of the grid has loaded or given up (then it shows "No preview").</summary>
    public async Task WaitForThumbnailsAsync()
    {
        await Page.WaitForFunctionAsync(
            """
            () => [...document.querySelectorAll('#grid .thumb')].every(t => {
              const img = t.querySelector('img');
              return t.querySelector('.no-preview') || (img.complete && img.naturalWidth > 0);
            })
            """,
            null,
            new PageWaitForFunctionOptions { Timeout = 60_000 });
    }

    /// <summary>The ids of the cards, in the grid's order.</summary>
    public async Task<IReadOnlyList<string>> CardIdsAsync() =>
        await Page.EvalOnSelectorAllAsync<string[]>("#grid .card-open", "cards => cards.map(c => c.dataset.id)");

    /// <summary>The card of the image <paramref name="id"/>.</summary>
    public ILocator Card(string id) =>
        Page.Locator("#grid .card-open").Filter(new LocatorFilterOptions { Has = Page.Locator(".name").GetByText(id, new LocatorGetByTextOptions { Exact = true }) });

    /// <summary>Saves a screenshot under TestResults/gallery/ and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name, bool fullPage = false)
    {
        string folder = Path.Combine(RepositoryPaths.Root, "TestResults", "gallery");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        return path;
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
