namespace BlipFunctions.HostTests.Fixtures;

/// <summary>
/// The host's RetryProxyHandler: a request the proxy cannot deliver to the worker (its Kestrel may still be starting)
/// is tried again, up to 10 times, 50 ms apart at first and at most 250 ms.
/// </summary>
public sealed class RetryProxyHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public const int MaxRetries = 10;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        int delay = 50;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt < MaxRetries)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 250);
            }
        }
    }
}
