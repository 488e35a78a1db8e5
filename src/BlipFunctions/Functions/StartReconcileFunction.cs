using BlipFunctions.Http;
using BlipFunctions.Reconcile;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlipFunctions.Functions;

/// <summary>
/// <c>POST /api/reconcile?prefix=&amp;failed=true&amp;force=true</c>: backfill and re-caption. Lists the images container
/// (under <c>prefix</c>) and queues every blob whose row is missing, describes another version, was made by another
/// model or other decoding settings, or (with <c>failed</c>) failed; <c>force</c> queues every blob. Answers 202 at
/// once with the run: what was listed and queued in the first seconds, and where to follow the rest
/// (<c>Location: /api/reconcile/{id}</c>).
/// </summary>
public sealed class StartReconcileFunction(ReconcileRunner runner, TimeProvider time)
{
    /// <summary>How long the request lists before it answers and leaves the rest to the run's continuation.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    [Function("StartReconcile")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "reconcile")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ReconcileQuery.TryParse(request.Query, out ReconcileRequest? reconcile, out string error))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Bad reconcile request", error);
        }

        ReconcileRunEntity run = await runner.StartAsync(CaptionBlobFunction.Container, reconcile!, "http", Budget, cancellationToken).ConfigureAwait(false);
        return ReconcileAnswers.Accepted(run, time.GetUtcNow());
    }
}
