using System.Globalization;
using Azure;
using BlipFunctions.Http;
using BlipFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlipFunctions.Functions;

/// <summary>
/// <c>GET /api/captions?prefix=&amp;status=&amp;keyword=&amp;top=&amp;continuationToken=</c>: caption rows by blob-name prefix
/// (and status), in pages; with <c>keyword</c> (repeatable), only the succeeded captions having every keyword (the keyword
/// index).
/// </summary>
public sealed class ListCaptionsFunction(CaptionStore store)
{
    public const int DefaultTop = 100;
    public const int MaxTop = 1000;

    [Function("ListCaptions")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "captions")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string prefix = request.Query["prefix"].ToString();
        int top = DefaultTop;
        string topText = request.Query["top"].ToString();
        if (topText.Length > 0 && (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > MaxTop))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Bad top", $"top must be a whole number from 1 to {MaxTop}; it was '{topText}'.");
        }

        if (!ContinuationTokens.TryDecode(request.Query["continuationToken"].ToString(), out string? tableToken))
        {
            return BadToken();
        }

        if (!CaptionKeys.TryGetPrefixRange(prefix, out _, out _))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Prefix too long",
                $"The prefix is too long to list by; keep it under {CaptionKeys.MaxPrefixKeyLength} characters.");
        }

        string? status = request.Query["status"].ToString() is { Length: > 0 } statusText ? statusText : null;
        if (status is not null && status is not (CaptionStatus.Processing or CaptionStatus.Succeeded or CaptionStatus.Failed))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Bad status",
                $"status must be {CaptionStatus.Processing}, {CaptionStatus.Succeeded} or {CaptionStatus.Failed}; it was '{status}'.");
        }

        if (!KeywordQuery.TryParse(request.Query["keyword"], out IReadOnlyList<string> keywords, out string keywordError))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Bad keyword", keywordError);
        }

        if (keywords.Count > 0 && status is not (null or CaptionStatus.Succeeded))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Bad status",
                $"keyword finds {CaptionStatus.Succeeded} captions only; leave status out or set it to {CaptionStatus.Succeeded}.");
        }

        CaptionPage page;
        try
        {
            const string container = CaptionBlobFunction.Container;
            page = keywords.Count == 0
                ? await store.ListAsync(container, prefix, top, tableToken, cancellationToken, status).ConfigureAwait(false)
                : await store.SearchAsync(container, keywords, prefix, top, tableToken, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (tableToken is not null && e.Status is 400 or 414 or 431)
        {
            return BadToken(); // well formed, but not a position the table service knows
        }

        return new OkObjectResult(new CaptionListResponse(
            page.Rows.Select(CaptionResponse.FromRow).ToList(),
            ContinuationTokens.Encode(page.ContinuationToken)));
    }

    private static ObjectResult BadToken() => Problems.Create(StatusCodes.Status400BadRequest, "Bad continuationToken",
        "continuationToken must be the value of continuationToken from the previous page of the same listing, unchanged.");
}
