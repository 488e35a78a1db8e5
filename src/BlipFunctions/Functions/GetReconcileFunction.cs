using BlipFunctions.Http;
using BlipFunctions.Reconcile;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlipFunctions.Functions;

/// <summary><c>GET /api/reconcile/{id}</c>: where a run stands, and how many caption requests still wait in the queue.</summary>
public sealed class GetReconcileFunction(ReconcileRuns runs, ReconcileQueues queues, TimeProvider time)
{
    [Function("GetReconcile")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "reconcile/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ReconcileRunIds.IsValid(id))
        {
            return ReconcileAnswers.BadId(id);
        }

        ReconcileRunEntity? run = await runs.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return ReconcileAnswers.NotFound(id);
        }

        request.HttpContext.Response.Headers.CacheControl = "no-store";
        var depth = await queues.CaptionRequestDepthAsync(cancellationToken).ConfigureAwait(false);
        return new OkObjectResult(ReconcileRunResponse.From(run, time.GetUtcNow(), depth));
    }
}
