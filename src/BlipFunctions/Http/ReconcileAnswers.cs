using BlipFunctions.Reconcile;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Http;

/// <summary>The answers the reconcile functions share.</summary>
public static class ReconcileAnswers
{
    /// <summary>202 with the run and <c>Location</c> pointing at its progress.</summary>
    public static IActionResult Accepted(ReconcileRunEntity run, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new AcceptedResult($"/api/reconcile/{run.RowKey}", ReconcileRunResponse.From(run, now));
    }

    public static IActionResult BadId(string? id) => Problems.Create(StatusCodes.Status400BadRequest, "Bad run id",
        $"'{(id is { Length: > 40 } ? id[..40] + "..." : id)}' is not a reconcile run id; POST /api/reconcile answers with one, e.g. 20261206-050000-1a2b3c.");

    public static IActionResult NotFound(string id) => Problems.Create(StatusCodes.Status404NotFound, "No such run",
        $"There is no reconcile run {id}; POST /api/reconcile starts one.");
}
