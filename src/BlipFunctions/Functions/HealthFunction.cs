using BlipFunctions.Health;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlipFunctions.Functions;

/// <summary>
/// <c>GET /api/health</c>: the model (provisioned, loaded, which one, load time), the storage checks and the app
/// version; 200 when healthy, 503 otherwise. Anonymous, so that probes and availability tests need no key: it tells
/// no secret (no key, URI or path) and never loads the model.
/// </summary>
public sealed class HealthFunction(HealthProbe probe)
{
    [Function("Health")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        HealthReport report = await probe.CheckAsync(cancellationToken).ConfigureAwait(false);
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return new ObjectResult(report) { StatusCode = report.Status == "healthy" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable };
    }
}
