using System.Globalization;
using System.Text;
using BlipCaptioning.Testing;
using BlipFunctions.Gallery;
using BlipFunctions.GalleryTests.Fixtures;
using BlipFunctions.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace BlipFunctions.GalleryTests;

/// <summary>
/// What a page of 100 images costs the browser: the page's files, one listing call and 100 thumbnails, never the
/// originals; and on a second visit only the page and the listing, the thumbnails coming from the browser's cache.
/// The figures are printed and written to TestResults/gallery/page-weight.txt.
/// </summary>
[Collection(GalleryTestGroup.Name)]
public sealed class PageWeightTests(GalleryFixture gallery, ITestOutputHelper output)
{
    private static readonly string[] s_photos = ["astronaut", "chelsea", "coffee", "rocket"];

    [Fact]
    public async Task PageOf100_TransfersThumbnailsNotOriginals_AndARepeatVisitNoThumbnailsAtAll()
    {
        using FunctionsAppHost app = FunctionsAppHost.Create(gallery.Azurite, gallery.ModelDirectory);
        long originals = 0;
        for (int i = 0; i < 100; i++)
        {
            string photo = s_photos[i % s_photos.Length];
            byte[] bytes = TinyModelFixture.Photo(photo);
            originals += bytes.Length;
            await GalleryFixture.UploadAndCaptionAsync(app, $"page100/{i:D3}-{photo}{(photo == "rocket" ? ".jpg" : ".png")}", bytes, photo == "rocket" ? "image/jpeg" : "image/png");
        }

        await using LocalFunctionsServer server = await LocalFunctionsServer.StartAsync(app.Services, GalleryFixture.FunctionKey);
        string url = new Uri(server.Address, $"api/gallery?code={GalleryFixture.FunctionKey}").ToString();
        await using GallerySession session = await GallerySession.OpenAsync(gallery.Browser, url);
        Assert.Equal(100, (await session.CardIdsAsync()).Count);
        await ScrollToTheEndAsync(session.Page);
        await session.WaitForThumbnailsAsync();

        Weight first = await WeighAsync(session.Requests);
        Assert.Equal(100, first.Thumbnails);
        Assert.Equal(0, first.Originals);
        int largestSide = await session.Page.EvaluateAsync<int>(
            "() => Math.max(...[...document.querySelectorAll('#grid .thumb img')].map(i => Math.max(i.naturalWidth, i.naturalHeight)))");
        Assert.InRange(largestSide, 1, ThumbnailEncoder.MaxSide);
        Assert.True(first.Total * 10 < originals, $"A page of 100 transferred {first.Total:N0} bytes; the originals are {originals:N0}.");

        int thumbnailCalls = server.Requests.Count(r => r.Function == "GetThumbnail");
        int before = session.Requests.Count;
        await session.Page.ReloadAsync();
        await session.WaitForListingAsync();
        await ScrollToTheEndAsync(session.Page);
        await session.WaitForThumbnailsAsync();
        Weight repeat = await WeighAsync(session.Requests.Skip(before));
        Assert.Equal(thumbnailCalls, server.Requests.Count(r => r.Function == "GetThumbnail"));
        Assert.Empty(server.Failures);

        string report = string.Create(CultureInfo.InvariantCulture, $"""
            A page of 100 images (the four tiny-a photos, 25 copies each; {originals:N0} bytes of originals), headless Chromium, no compression:
              first visit:  {first.Total:N0} bytes in all = page and its files {first.PageFiles:N0} + listing JSON {first.Listing:N0} + 100 thumbnails {first.ThumbnailBytes:N0} (average {first.ThumbnailBytes / 100:N0}, headers included); originals fetched: {first.Originals}
              repeat visit: {repeat.Total:N0} bytes in all; thumbnails fetched from the app: {repeat.Thumbnails} (the browser's cache answered)
              originals / first visit: {(double)originals / first.Total:F1}x
            """);
        output.WriteLine(report);
        string folder = Path.Combine(RepositoryPaths.Root, "TestResults", "gallery");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "page-weight.txt"), report + Environment.NewLine, Encoding.UTF8);
    }

    private static async Task ScrollToTheEndAsync(IPage page)
    {
        for (int i = 0; i < 40; i++)
        {
            // Two animation frames after each step: the page loads a thumbnail when an IntersectionObserver sees its
            // card, which it checks once per rendered frame, so on a busy machine steps taken between two frames would
            // skip cards that never come into view.
            if (await page.EvaluateAsync<bool>("""
                async () => {
                  window.scrollBy(0, window.innerHeight);
                  await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
                  return window.innerHeight + window.scrollY >= document.body.scrollHeight - 2;
                }
                """))
            {
                break;
            }

            await page.WaitForTimeoutAsync(50);
        }
    }

    /// <summary>Bytes on the wire (headers and body) by kind of request, from Chromium's own accounting.</summary>
    private static async Task<Weight> WeighAsync(IEnumerable<IRequest> requests)
    {
        var weight = new Weight();
        foreach (IRequest request in requests)
        {
            if (await request.ResponseAsync() is null)
            {
                continue;
            }

            RequestSizesResult sizes = await request.SizesAsync();
            long bytes = sizes.ResponseBodySize + sizes.ResponseHeadersSize;
            string path = new Uri(request.Url).AbsolutePath;
            if (path.StartsWith("/api/thumbnails/", StringComparison.Ordinal))
            {
                weight.Thumbnails += sizes.ResponseBodySize > 0 ? 1 : 0;
                weight.ThumbnailBytes += bytes;
            }
            else if (path.StartsWith("/api/images/", StringComparison.Ordinal))
            {
                weight.Originals++;
            }
            else if (path == "/api/captions")
            {
                weight.Listing += bytes;
            }
            else
            {
                weight.PageFiles += bytes;
            }
        }

        return weight;
    }

    private sealed class Weight
    {
        public long PageFiles { get; set; }

        public long Listing { get; set; }

        public int Thumbnails { get; set; }

        public long ThumbnailBytes { get; set; }

        public int Originals { get; set; }

        public long Total => PageFiles + Listing + ThumbnailBytes;
    }
}
