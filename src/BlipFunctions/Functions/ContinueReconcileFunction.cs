using BlipFunctions.Configuration;
using BlipFunctions.Reconcile;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace BlipFunctions.Functions;

/// <summary>
/// Goes on with a reconcile run (<c>reconcile-runs</c>: one message is the run's id) from where its listing stopped,
/// for up to <see cref="Budget"/>, then hands over to the next message.
/// </summary>
public sealed partial class ContinueReconcileFunction(ReconcileRunner runner, ILogger<ContinueReconcileFunction> logger)
{
    /// <summary>The queue of run continuations.</summary>
    public const string QueueName = "reconcile-runs";

    public const string Name = "ContinueReconcile";

    /// <summary>How long one invocation lists before it hands over (well inside host.json's functionTimeout).</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    [Function(Name)]
    public async Task Run(
        [QueueTrigger(QueueName, Connection = CaptionStorageSettings.ConnectionName)] string message,
        CancellationToken cancellationToken)
    {
        string runId = message?.Trim() ?? string.Empty;
        if (!ReconcileRunIds.IsValid(runId))
        {
            LogIgnored(runId.Length > 64 ? runId[..64] + "..." : runId);
            return;
        }

        if (await runner.ContinueAsync(runId, Budget, cancellationToken).ConfigureAwait(false) is null)
        {
            LogUnknown(runId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile continuation ignored: '{Message}' is not a run id")]
    private partial void LogIgnored(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile continuation ignored: there is no run {RunId}")]
    private partial void LogUnknown(string runId);
}
