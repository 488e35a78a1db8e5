using BlipFunctions.Reconcile;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Functions;

/// <summary>
/// The optional nightly reconcile of the whole images container (03:00 UTC), as <c>POST /api/reconcile</c> without
/// options would do; it does nothing unless <c>Reconcile__TimerEnabled</c> is <c>true</c>.
/// </summary>
public sealed partial class ReconcileTimerFunction(ReconcileRunner runner, IOptions<ReconcileOptions> options, ILogger<ReconcileTimerFunction> logger)
{
    public const string Name = "ReconcileTimer";

    /// <summary>Every day at 03:00 UTC (NCRONTAB: second minute hour day month day-of-week).</summary>
    public const string Schedule = "0 0 3 * * *";

    [Function(Name)]
    public async Task Run([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (!options.Value.TimerEnabled)
        {
            LogOff();
            return;
        }

        ReconcileRunEntity run = await runner.StartAsync(
            CaptionBlobFunction.Container, ReconcileRequest.Everything, "timer", StartReconcileFunction.Budget, cancellationToken).ConfigureAwait(false);
        LogStarted(run.RowKey);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The nightly reconcile is off (Reconcile__TimerEnabled is not true)")]
    private partial void LogOff();

    [LoggerMessage(Level = LogLevel.Information, Message = "The nightly reconcile started run {RunId}")]
    private partial void LogStarted(string runId);
}
