using BlipFunctions.Functions;
using BlipFunctions.Http;
using BlipFunctions.Reconcile;
using BlipFunctions.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>
/// Drives reconcile through the app's functions on Azurite: the HTTP requests an operator sends, and the two queue
/// triggers (<c>reconcile-runs</c>, <c>caption-requests</c>) delivered the way the host delivers them.
/// </summary>
public sealed class ReconcileDriver(FunctionsAppHost app)
{
    private readonly ReconcileQueues _queues = app.Get<ReconcileQueues>();

    /// <summary>Empties both queues (they are shared by every test on this Azurite).</summary>
    public async Task ClearQueuesAsync()
    {
        await _queues.CaptionRequests.CreateIfNotExistsAsync();
        await _queues.Runs.CreateIfNotExistsAsync();
        await _queues.CaptionRequests.ClearMessagesAsync();
        await _queues.Runs.ClearMessagesAsync();
    }

    /// <summary><c>POST /api/reconcile?{query}</c>: the answer and, for a 202, the run it describes.</summary>
    public async Task<(IActionResult Result, ReconcileRunResponse? Run)> StartAsync(string query)
    {
        IActionResult result = await app.Function<StartReconcileFunction>().Run(Request(HttpMethods.Post, "/api/reconcile", query), CancellationToken.None);
        return (result, (result as AcceptedResult)?.Value as ReconcileRunResponse);
    }

    /// <summary><c>POST /api/reconcile/{id}</c>.</summary>
    public async Task<IActionResult> ResumeAsync(string id) =>
        await app.Function<ResumeReconcileFunction>().Run(Request(HttpMethods.Post, "/api/reconcile/" + id, ""), id, CancellationToken.None);

    /// <summary><c>GET /api/reconcile/{id}</c>.</summary>
    public async Task<IActionResult> GetAsync(string id) =>
        await app.Function<GetReconcileFunction>().Run(Request(HttpMethods.Get, "/api/reconcile/" + id, ""), id, CancellationToken.None);

    public async Task<ReconcileRunResponse> GetRunAsync(string id) =>
        Assert.IsType<ReconcileRunResponse>(Assert.IsType<OkObjectResult>(await GetAsync(id)).Value);

    /// <summary>Delivers run continuations, then caption requests, until both queues are empty; returns the caption requests handled.</summary>
    public async Task<int> DrainAsync()
    {
        int captioned = 0;
        while (true)
        {
            int continued = await QueueTriggerStandIn.DrainAsync(_queues.Runs, message => app.Function<ContinueReconcileFunction>().Run(message, CancellationToken.None));
            int requests = await DeliverCaptionRequestsAsync();
            captioned += requests;
            if (continued == 0 && requests == 0)
            {
                return captioned;
            }
        }
    }

    /// <summary>Delivers the waiting caption requests to <see cref="CaptionQueuedBlobFunction"/>.</summary>
    public Task<int> DeliverCaptionRequestsAsync() =>
        QueueTriggerStandIn.DrainAsync(_queues.CaptionRequests, message => app.Function<CaptionQueuedBlobFunction>().Run(message, CancellationToken.None));

    private static HttpRequest Request(string method, string path, string query)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query.Length == 0 ? "" : "?" + query);
        return context.Request;
    }
}
