using BlipFunctions.Http;
using BlipFunctions.Reconcile;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlipFunctions.Functions;

/// <summary>
/// <c>POST /api/reconcile/{id}</c>: resumes a stalled run from where its listing stopped (its continuation message
/// went to the poison queue, or the invocation that started it died). A run that is running or done is left as it is.
/// </summary>
public sealed class ResumeReconcileFunction(ReconcileRunner runner, TimeProvider time)
{
    [Function("ResumeReconcile")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "reconcile/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ReconcileRunIds.IsValid(id))
        {
            return ReconcileAnswers.BadId(id);
        }

        ReconcileRunEntity? run = await runner.ContinueAsync(id, StartReconcileFunction.Budget, cancellationToken).ConfigureAwait(false);
        return run is null ? ReconcileAnswers.NotFound(id) : ReconcileAnswers.Accepted(run, time.GetUtcNow());
    }
}
