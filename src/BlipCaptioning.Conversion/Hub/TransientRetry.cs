namespace BlipCaptioning.Conversion.Hub;

/// <summary>Tries an operation again, with exponential backoff, when it failed for a reason that may pass.</summary>
internal static class TransientRetry
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    public static async Task<T> RunAsync<T>(
        HubOptions options, string what, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        for (var attemptNumber = 1; ; attemptNumber++)
        {
            try
            {
                return await attempt(cancellationToken);
            }
            catch (Exception ex) when (IsTransient(ex, cancellationToken) && attemptNumber < options.MaxAttempts)
            {
                await Task.Delay(Backoff(options, attemptNumber), cancellationToken);
            }
            catch (Exception ex) when (IsTransient(ex, cancellationToken))
            {
                throw Exhausted(what, attemptNumber, ex);
            }
        }
    }

    /// <summary>True for 5xx/429/408 answers, dropped or refused connections and timeouts (not the caller's cancellation).</summary>
    public static bool IsTransient(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HubException hub => hub.IsTransient,
        HttpRequestException => true,
        IOException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    public static TimeSpan Backoff(HubOptions options, int failedAttempts)
    {
        var delay = options.RetryDelay * Math.Pow(2, failedAttempts - 1);
        return delay < MaxDelay ? delay : MaxDelay;
    }

    public static HubException Exhausted(string what, int attempts, Exception last) =>
        new($"{what} failed after {attempts} attempt{(attempts == 1 ? "" : "s")}: {Describe(last)}", (last as HubException)?.StatusCode, isTransient: true, last)
        {
            IsUnreachable = true,
        };

    public static string Describe(Exception exception) => exception switch
    {
        OperationCanceledException => "the hub did not answer in time (timed out)",
        HttpRequestException { InnerException: { } inner } http => $"{http.Message} ({inner.Message})",
        _ => exception.Message,
    };
}
