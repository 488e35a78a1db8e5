using BlipFunctions.Http;
using BlipFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlipFunctions.Functions;

/// <summary><c>GET /api/captions/{id}</c>: the caption row of the blob named id (folders as '/').</summary>
public sealed class GetCaptionFunction(CaptionStore store)
{
    [Function("GetCaption")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "captions/{*id:minlength(1)}")] HttpRequest request,
        string? id,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (BlobNames.Validate(id) is { } invalid)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Malformed caption id", invalid);
        }

        const string container = CaptionBlobFunction.Container;
        CaptionEntity? row = await store.GetAsync(container, id!, cancellationToken).ConfigureAwait(false);
        if (row is null && id!.Contains("%2F", StringComparison.OrdinalIgnoreCase))
        {
            // The server decodes everything but %2F; a client that encoded the folder slashes too still finds its blob.
            row = await store.GetAsync(container, id.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase), cancellationToken).ConfigureAwait(false);
        }

        if (row is null)
        {
            return Problems.Create(StatusCodes.Status404NotFound, "No caption for this id",
                $"No blob named '{id}' has been captioned. Upload it to the '{container}' container, or check the id: " +
                "the blob name with '/' between folders and other special characters percent-encoded.");
        }

        CaptionResponse body = CaptionResponse.FromRow(row);
        if (row.Status == CaptionStatus.Processing)
        {
            request.HttpContext.Response.Headers.RetryAfter = "2";
            return new AcceptedResult(location: null, value: body);
        }

        return new OkObjectResult(body);
    }
}
